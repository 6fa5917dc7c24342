import type { ServiceApp } from '@grimos/service-kit'
import { catalog, tail, trace } from '../../ops/index.ts'
import { principalOf } from '../access.ts'
import { MessageQuery, PositionParams, ProduceBody, TailQuery, TopicParams, TraceQuery } from '../schemas/index.ts'
import { openEventStream } from '../sse.ts'
import { audit, instant, offsetOf, operatorOnly, type RouteContext, sendJson } from './context.ts'

const filterOf = (q: { key?: string; event_type?: string; event_id?: string; user_id?: string }) => ({
  key: q.key,
  eventType: q.event_type,
  eventId: q.event_id,
  userId: q.user_id,
})

export function registerMessageRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { ops, messages, producing } = ctx.console
  app.get(
    '/api/topics/:topic/messages',
    { schema: { params: TopicParams, querystring: MessageQuery } },
    async (request, reply) => {
      const q = request.query
      const page = await messages.page({
        topic: request.params.topic,
        partition: q.partition,
        offset: offsetOf(q.offset, 'offset', 'querystring'),
        from: instant(q.from, 'from'),
        to: instant(q.to, 'to'),
        order: q.order,
        limit: q.limit,
        cursor: q.cursor,
        filter: filterOf(q),
      })
      return sendJson(reply, page)
    },
  )

  app.get(
    '/api/topics/:topic/messages/:partition/:offset',
    { schema: { params: PositionParams } },
    async (request, reply) => {
      const { topic, partition, offset } = request.params
      return sendJson(reply, await messages.one(topic, partition, offsetOf(offset) as bigint))
    },
  )

  app.get(
    '/api/topics/:topic/tail',
    { schema: { params: TopicParams, querystring: TailQuery } },
    async (request, reply) => {
      const q = request.query
      const from = instant(q.from, 'from')
      // Checked before the stream opens, so an unknown topic is a 404 and not an event.
      await messages.partitionsOf(request.params.topic)
      const stream = openEventStream(request, reply)
      try {
        for await (const event of tail(ops, messages, {
          topic: request.params.topic,
          partition: q.partition,
          from,
          filter: filterOf(q),
          signal: stream.signal,
        }))
          stream.send(event.type, event.type === 'message' ? event.message : event)
      } catch (error) {
        stream.send('failure', { code: (error as { code?: string }).code ?? 'INTERNAL_ERROR', message: String(error) })
        request.log.warn({ err: error }, 'tail stopped')
      } finally {
        stream.end()
      }
    },
  )

  app.get('/api/catalog', async (_request, reply) => sendJson(reply, catalog(ops)))

  app.post(
    '/api/produce',
    // An NDJSON chunk may be up to 1000 lines: a larger body limit than the default 16 KiB, still bounded.
    { ...operatorOnly, bodyLimit: 8 * 1024 * 1024, schema: { body: ProduceBody } },
    async (request, reply) => {
      const body = request.body
      const principal = principalOf(request)
      const answer = await producing.produce({ ...body, by: principal.username })
      if (answer.sent)
        await audit(ctx, request, 'produce', answer.topic, {
          lines: `${body.firstLine}-${body.firstLine + body.lines.length - 1}`,
          sent: answer.valid,
          eventIds: answer.results
            .filter((r) => r.eventId)
            .slice(0, 100)
            .map((r) => r.eventId),
        })
      return sendJson(reply, answer)
    },
  )

  app.get('/api/trace', { schema: { querystring: TraceQuery } }, async (request, reply) => {
    const q = request.query
    const answer = await trace(ops, messages.decoder, {
      eventId: q.event_id,
      userId: q.user_id,
      topic: q.topic,
      from: instant(q.from, 'from'),
      to: instant(q.to, 'to'),
    })
    return sendJson(reply, answer)
  })
}
