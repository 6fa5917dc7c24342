import type { ServiceApp } from '@grimos/service-kit'
import { groupDetail, listGroups, listTopics, overview, resetOffsets, topicDetail } from '../../ops/index.ts'
import { GroupParams, ResetOffsetsBody, TopicParams } from '../schemas/index.ts'
import { audit, instant, offsetOf, operatorOnly, type RouteContext, sendJson } from './context.ts'

export function registerClusterRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { ops } = ctx.console
  app.get('/api/overview', async (_request, reply) => sendJson(reply, await overview(ops)))
  app.get('/api/topics', async (_request, reply) => sendJson(reply, await listTopics(ops)))
  app.get('/api/topics/:topic', { schema: { params: TopicParams } }, async (request, reply) =>
    sendJson(reply, await topicDetail(ops, request.params.topic)),
  )
  app.get('/api/groups', async (_request, reply) => sendJson(reply, await listGroups(ops)))
  app.get('/api/groups/:group', { schema: { params: GroupParams } }, async (request, reply) =>
    sendJson(reply, await groupDetail(ops, request.params.group)),
  )
  app.post(
    '/api/groups/:group/offsets',
    { ...operatorOnly, schema: { params: GroupParams, body: ResetOffsetsBody } },
    async (request, reply) => {
      const body = request.body
      const answer = await resetOffsets(ops, {
        group: request.params.group,
        topic: body.topic,
        to: body.to,
        timestamp: instant(body.timestamp, 'timestamp', 'body'),
        offset: offsetOf(body.offset, 'offset', 'body'),
        partitions: body.partitions,
        dryRun: body.dryRun,
      })
      if (answer.applied)
        await audit(ctx, request, 'group.reset-offsets', `${answer.group}/${answer.topic}`, {
          to: body.to,
          changes: answer.changes,
        })
      return sendJson(reply, answer)
    },
  )
}
