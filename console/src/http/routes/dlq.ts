import type { DeadLetterFilter } from '@grimos/events'
import { GrimError } from '@grimos/events'
import { type ServiceApp, validationFailed } from '@grimos/service-kit'
import { principalOf } from '../access.ts'
import {
  DlqDiscardBody,
  type DlqListQuery,
  DlqListQuery as DlqListQuerySchema,
  DlqParams,
  DlqRecordParams,
  DlqReplayBody,
  type DlqReplayManyBody,
  DlqReplayManyBody as DlqReplayManySchema,
} from '../schemas/index.ts'
import { audit, instant, offsetOf, operatorOnly, type RouteContext, sendJson } from './context.ts'

function filterOf(q: DlqListQuery | DlqReplayManyBody, location: string): DeadLetterFilter {
  return {
    status: q.status,
    eventType: q.event_type,
    errorClass: q.error_class,
    key: q.key,
    from: instant(q.from, 'from', location),
    to: instant(q.to, 'to', location),
    cursor: 'cursor' in q ? q.cursor : undefined,
  }
}

/** The library's GRIM_INPUT_INVALID names the argument: here that is the caller's field, a 400. */
async function withInputErrors<T>(run: () => Promise<T>, location: string): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (!(error instanceof GrimError) || error.code !== 'GRIM_INPUT_INVALID') throw error
    const field = typeof error.details.argument === 'string' ? error.details.argument : '(root)'
    throw validationFailed([{ field, rule: field, message: error.message, location }])
  }
}

export function registerDlqRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { dlq } = ctx.console
  app.get('/api/dlq', async (_request, reply) => sendJson(reply, await dlq.topics()))

  app.get(
    '/api/dlq/:topic/records',
    { schema: { params: DlqParams, querystring: DlqListQuerySchema } },
    async (request, reply) => {
      const q = request.query
      const filter = { ...filterOf(q, 'querystring'), limit: q.limit }
      return sendJson(reply, await withInputErrors(() => dlq.list(request.params.topic, filter), 'querystring'))
    },
  )

  app.get(
    '/api/dlq/:topic/records/:partition/:offset',
    { schema: { params: DlqRecordParams } },
    async (request, reply) => {
      const { topic, partition, offset } = request.params
      return sendJson(reply, await dlq.inspect(topic, { partition, offset: offsetOf(offset) as bigint }))
    },
  )

  app.post(
    '/api/dlq/:topic/records/:partition/:offset/replay',
    {
      ...operatorOnly,
      schema: { params: DlqRecordParams, body: DlqReplayBody },
      // `curl -X POST` without a body means "no options".
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request, reply) => {
      const { topic, partition, offset } = request.params
      const by = principalOf(request).username
      const outcome = await dlq.replay(
        topic,
        { partition, offset: offsetOf(offset) as bigint },
        { ...request.body, by },
      )
      await audit(ctx, request, 'dlq.replay', `${topic}/${partition}/${offset}`, {
        to: outcome.to,
        reason: request.body.reason,
      })
      return sendJson(reply, outcome)
    },
  )

  app.post(
    '/api/dlq/:topic/records/:partition/:offset/discard',
    { ...operatorOnly, schema: { params: DlqRecordParams, body: DlqDiscardBody } },
    async (request, reply) => {
      const { topic, partition, offset } = request.params
      const by = principalOf(request).username
      const record = await dlq.discard(
        topic,
        { partition, offset: offsetOf(offset) as bigint },
        request.body.reason,
        by,
      )
      await audit(ctx, request, 'dlq.discard', `${topic}/${partition}/${offset}`, { reason: request.body.reason })
      return sendJson(reply, record)
    },
  )

  app.post(
    '/api/dlq/:topic/replay',
    { ...operatorOnly, schema: { params: DlqParams, body: DlqReplayManySchema } },
    async (request, reply) => {
      const body = request.body
      const topic = request.params.topic
      const answer = await withInputErrors(
        () =>
          dlq.replayMany(topic, {
            filter: filterOf(body, 'body'),
            positions: body.positions?.map((p, i) => ({
              partition: p.partition,
              offset: offsetOf(p.offset, `positions.${i}.offset`, 'body') as bigint,
            })),
            limit: body.limit,
            dryRun: body.dryRun,
            force: body.force,
            reason: body.reason,
            by: principalOf(request).username,
          }),
        'body',
      )
      if (!answer.dryRun)
        await audit(ctx, request, 'dlq.replay-many', topic, {
          replayed: answer.replayed,
          skipped: answer.skipped,
          positions: answer.results?.slice(0, 100).map((r) => `${r.partition}/${r.offset}`),
          reason: body.reason,
        })
      return sendJson(reply, answer)
    },
  )
}
