import { ErrorResponseSchema, type ServiceApp, validationFailed } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'
import { type DeadLetterFilter, type DeadLetterQueue, type DeadLetterRecord, GrimError } from '../events.ts'
import { sendJson } from './json.ts'

// The DLQ management API: list with filters, inspect, replay one, replay many by filter, discard with reason.
// Registered inside the operator-token scope (see app.ts). Every decision names who took it (`by`).

// Kafka partitions are int32 and offsets int64: a larger one reached the broker client and came back a 503.
const maxOffset = 2n ** 63n - 1n
const Position = Type.Object(
  {
    partition: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
    offset: Type.String({ pattern: '^[0-9]{1,19}$', description: 'Kafka offset as a decimal string (int64)' }),
  },
  { additionalProperties: false },
)

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

type Location = 'querystring' | 'body'

/**
 * A date-time the format admits but Date cannot hold (a leap second, `23:59:60`) is Invalid Date, which the
 * library's time filter compares as no bound at all: a bulk replay "from" it replayed everything.
 */
function instant(value: string | undefined, field: 'from' | 'to', location: Location): Date | undefined {
  if (value === undefined) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) {
    throw validationFailed([{ field, rule: 'format', message: 'must be a date-time that names an instant', location }])
  }
  return date
}

function toFilter(query: Static<typeof ListQuery> | Static<typeof ReplayManyBody>, location: Location) {
  return {
    status: query.status,
    eventType: query.event_type,
    errorClass: query.error_class,
    key: query.key,
    from: instant(query.from, 'from', location),
    to: instant(query.to, 'to', location),
    limit: query.limit,
    cursor: 'cursor' in query ? query.cursor : undefined,
  } satisfies DeadLetterFilter
}

function position(params: Static<typeof Position>) {
  const offset = BigInt(params.offset)
  if (offset > maxOffset) {
    const message = `must be at most ${maxOffset} (a Kafka offset is int64)`
    throw validationFailed([{ field: 'offset', rule: 'maximum', message, location: 'params' }])
  }
  return { partition: params.partition, offset }
}

/**
 * The library refuses a malformed argument (a cursor that does not decode, a date it cannot hold) as
 * GRIM_INPUT_INVALID naming it: here that is the caller's input, so the one 400 shape naming the field.
 */
async function withInputErrors<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list()
  } catch (error) {
    if (!(error instanceof GrimError) || error.code !== 'GRIM_INPUT_INVALID') throw error
    const field = typeof error.details.argument === 'string' ? error.details.argument : 'query'
    const message = field === 'cursor' ? 'is not a nextCursor from this API' : error.message
    throw validationFailed([{ field, rule: field, message, location: 'querystring' }])
  }
}

/** A listing leaves out stack traces (inspect one record to see its own). */
function summary(record: DeadLetterRecord): DeadLetterRecord {
  const { errorStack: _stack, ...info } = record.info
  const { 'grimos.dlq.error-stack': _header, ...headers } = record.headers
  return { ...record, info, headers }
}

export function registerDlqRoutes(app: ServiceApp, dlq: DeadLetterQueue): void {
  const tags = ['dlq']
  app.get('/dlq/records', { schema: { tags, querystring: ListQuery, response: errors } }, async (request, reply) => {
    const filter = toFilter(request.query, 'querystring')
    const page = await withInputErrors(() => dlq.list(filter))
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
    const result = await dlq.replayMany(toFilter(body, 'body'), {
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
