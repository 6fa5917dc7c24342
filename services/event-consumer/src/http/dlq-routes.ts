import { ErrorResponseSchema, type ServiceApp } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'
import type { DeadLetterFilter, DeadLetterQueue, DeadLetterRecord } from '../events.ts'
import { sendJson } from './json.ts'

// The DLQ management API: list with filters, inspect, replay one, replay many by filter, discard with reason.
// Registered inside the operator-token scope (see app.ts). Every decision names who took it (`by`).

const Position = Type.Object({
  partition: Type.Integer({ minimum: 0 }),
  offset: Type.String({ pattern: '^[0-9]{1,19}$', description: 'Kafka offset as a decimal string' }),
})

const filterFields = {
  status: Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('replayed'), Type.Literal('discarded'), Type.Literal('all')]),
  ),
  event_type: Type.Optional(Type.String({ minLength: 1 })),
  error_class: Type.Optional(Type.String({ minLength: 1, examples: ['GRIM_HANDLER_FAILED'] })),
  key: Type.Optional(Type.String({ minLength: 1 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
}

const ListQuery = Type.Object(
  {
    ...filterFields,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)

/** Who acts; the token is shared, so the operator names themself. */
const by = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
/** Replay a record that was already replayed or discarded (the replay cap still holds). */
const force = Type.Optional(Type.Boolean())

const ReplayBody = Type.Object(
  { by, force, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false },
)

const ReplayManyBody = Type.Object(
  {
    ...filterFields,
    by,
    force,
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    /** At most this many records are replayed by one call. */
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  },
  { additionalProperties: false },
)

const DiscardBody = Type.Object(
  { by, reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
)

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
}
const defaultActor = 'operator-api'

function toFilter(query: Static<typeof ListQuery> | Static<typeof ReplayManyBody>): DeadLetterFilter {
  return {
    status: query.status,
    eventType: query.event_type,
    errorClass: query.error_class,
    key: query.key,
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
    limit: query.limit,
    cursor: 'cursor' in query ? query.cursor : undefined,
  }
}

const position = (params: Static<typeof Position>) => ({ partition: params.partition, offset: BigInt(params.offset) })

/** A listing leaves out stack traces (inspect one record to see its own). */
function summary(record: DeadLetterRecord): DeadLetterRecord {
  const { errorStack: _stack, ...info } = record.info
  const { 'grimos.dlq.error-stack': _header, ...headers } = record.headers
  return { ...record, info, headers }
}

export function registerDlqRoutes(app: ServiceApp, dlq: DeadLetterQueue): void {
  const tags = ['dlq']
  app.get('/dlq/records', { schema: { tags, querystring: ListQuery, response: errors } }, async (request, reply) => {
    const page = await dlq.list(toFilter(request.query))
    return sendJson(reply, { topic: dlq.topic, ...page, records: page.records.map(summary) })
  })

  app.get(
    '/dlq/records/:partition/:offset',
    { schema: { tags, params: Position, response: errors } },
    async (request, reply) => sendJson(reply, await dlq.inspect(position(request.params))),
  )

  app.post(
    '/dlq/records/:partition/:offset/replay',
    {
      schema: { tags, params: Position, body: ReplayBody, response: errors },
      // `curl -X POST` with no body at all means "no options", not an invalid request.
      preValidation: async (request) => {
        request.body ??= {}
      },
    },
    async (request, reply) => {
      const body = request.body
      const outcome = await dlq.replay(position(request.params), {
        force: body.force,
        reason: body.reason,
        by: body.by ?? defaultActor,
      })
      request.log.info({ dlq: dlq.topic, ...request.params, by: body.by ?? defaultActor }, 'dead letter replayed')
      return sendJson(reply, outcome)
    },
  )

  app.post('/dlq/replay', { schema: { tags, body: ReplayManyBody, response: errors } }, async (request, reply) => {
    const body = request.body
    const result = await dlq.replayMany(toFilter(body), {
      force: body.force,
      reason: body.reason,
      by: body.by ?? defaultActor,
    })
    request.log.info(
      { dlq: dlq.topic, replayed: result.replayed.length, skipped: result.skipped.length },
      'dead letters replayed by filter',
    )
    return sendJson(reply, result)
  })

  app.post(
    '/dlq/records/:partition/:offset/discard',
    { schema: { tags, params: Position, body: DiscardBody, response: errors } },
    async (request, reply) => {
      const actor = request.body.by ?? defaultActor
      await dlq.discard(position(request.params), request.body.reason, { by: actor })
      request.log.info({ dlq: dlq.topic, ...request.params, by: actor }, 'dead letter discarded')
      return sendJson(reply, await dlq.inspect(position(request.params)))
    },
  )
}
