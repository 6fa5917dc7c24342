import {
  avroSchemaFor,
  createUserEvent,
  EventSerde,
  GrimError,
  type PublishUserEventInput,
  partitionOfKey,
  USER_EVENT_TYPES,
  type UserEvent,
  type UserEventType,
  userEventRecord,
  utcTimestampOf,
  validateUserEvent,
} from '@grimos/events'
import type { CatalogAnswer, LineResult, ProduceAnswer } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'
import { messageOf } from './format.ts'

// Producing from the console or the CLI: every line is validated as the library validates (the catalog's Avro
// schema and business rules) before anything is sent; then the valid events go out in one batch, acks=all.

export const PRODUCED_BY_HEADER = 'grimos.produced-by'
const MAX_SERDES = 20
const MAX_LINE_CHARS = 65_536

const snapshot = {
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  is_active: true,
  is_superuser: false,
  roles: ['user'],
}
const examples: Record<UserEventType, Record<string, unknown>> = {
  user_registered: { registration_method: 'self_signup' },
  user_updated: { changed_fields: ['full_name'] },
  user_deleted: { deleted_by: 'self', reason: null, is_active: false },
  user_login: { login_method: 'password', outcome: 'success', failure_reason: null },
  user_logout: { all_sessions: false, session_id: 'session-1' },
  user_password_changed: { changed_by: 'user' },
  user_email_verified: { verified_email: 'ada@example.com' },
}

export function catalog(ops: Ops): CatalogAnswer {
  return {
    topic: ops.options.userEventsTopic,
    eventTypes: USER_EVENT_TYPES.map((eventType) => ({
      eventType,
      schema: avroSchemaFor(eventType),
      example: {
        eventType,
        userId: 'user-1',
        userData: { ...snapshot, ...examples[eventType] },
        metadata: { source: 'grimos-console' },
      },
    })),
  }
}

/** One NDJSON line to a validated event, or the error that names what is wrong with it. */
export function parseLine(text: string): UserEvent {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new GrimError('GRIM_INPUT_INVALID', `not JSON: ${messageOf(error)}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new GrimError('GRIM_INPUT_INVALID', 'a line must be one JSON object')
  const fields = value as Record<string, unknown>
  if ('event_type' in fields) return fromWireForm(fields)
  if ('eventType' in fields) return createUserEvent(fields as unknown as PublishUserEventInput)
  throw new GrimError(
    'GRIM_INPUT_INVALID',
    'a line is an event ({ event_type, … }) or the input form ({ eventType, userId, userData, metadata })',
  )
}

const WIRE_FIELDS = new Set(['event_id', 'event_type', 'schema_version', 'user_id', 'timestamp', 'data', 'metadata'])

/**
 * An event as it travels (`{ event_type, user_id, timestamp, data, metadata }`, the seed's message format). A
 * complete one is validated as it is, except that a timestamp without a zone is read as UTC; one without
 * `event_id` or `schema_version` (the seed's own example has neither) is built by createUserEvent, which fills
 * the envelope. An undeclared field is refused by name, never dropped.
 */
function fromWireForm(fields: Record<string, unknown>): UserEvent {
  const unknown = Object.keys(fields).find((key) => !WIRE_FIELDS.has(key))
  if (unknown !== undefined) throw new GrimError('GRIM_INPUT_INVALID', `unknown field "${unknown}" in the event`)
  const timestamp =
    typeof fields.timestamp === 'string' || typeof fields.timestamp === 'number'
      ? utcTimestampOf(fields.timestamp)
      : fields.timestamp
  if ('event_id' in fields && 'schema_version' in fields) return validateUserEvent({ ...fields, timestamp })
  const data = fields.data
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new GrimError('GRIM_INPUT_INVALID', 'data must be an object')
  const metadata = fields.metadata
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata)))
    throw new GrimError('GRIM_INPUT_INVALID', 'metadata must be an object')
  return createUserEvent({
    eventType: fields.event_type,
    userId: fields.user_id,
    userData: data,
    metadata: metadata ?? undefined,
    eventId: fields.event_id,
    timestamp,
  } as unknown as PublishUserEventInput)
}

function failure(line: number, error: unknown): LineResult {
  const code = error instanceof GrimError ? error.code : 'GRIM_EVENT_INVALID'
  const violations = error instanceof GrimError ? error.details.violations : undefined
  return {
    line,
    ok: false,
    error: {
      code,
      message: messageOf(error),
      ...(Array.isArray(violations) && {
        violations: (violations as { field: string; rule: string; message: string }[]).slice(0, 20).map((v) => ({
          field: v.field,
          rule: v.rule,
          message: v.message,
        })),
      }),
    },
  }
}

export interface ProduceRequest {
  topic?: string
  lines: string[]
  firstLine: number
  dryRun: boolean
  skipInvalid: boolean
  /** The principal sending, recorded in a header of each record. */
  by: string
}

export class Producing {
  readonly #ops: Ops
  readonly #serdes = new Map<string, EventSerde>()

  constructor(ops: Ops) {
    this.#ops = ops
  }

  #serde(topic: string): EventSerde {
    if (topic === this.#ops.options.userEventsTopic) return this.#ops.serde
    let serde = this.#serdes.get(topic)
    if (!serde) {
      if (this.#serdes.size >= MAX_SERDES) throw new GrimError('GRIM_INPUT_INVALID', 'too many topics produced to')
      serde = new EventSerde({ topic, autoRegister: false })
      this.#serdes.set(topic, serde)
    }
    return serde
  }

  async produce(request: ProduceRequest): Promise<ProduceAnswer> {
    const topic = request.topic ?? this.#ops.options.userEventsTopic
    const results: LineResult[] = []
    const valid: { result: LineResult; event: UserEvent }[] = []
    request.lines.forEach((text, i) => {
      const line = request.firstLine + i
      if (text.trim() === '') {
        results.push({ line, ok: true, skipped: true })
        return
      }
      try {
        // The API's schema bounds a line too; the CLI's direct mode comes here without it.
        if (text.length > MAX_LINE_CHARS)
          throw new GrimError('GRIM_INPUT_INVALID', `the line has ${text.length} characters; at most ${MAX_LINE_CHARS}`)
        const event = parseLine(text)
        const result: LineResult = { line, ok: true, eventId: event.event_id, eventType: event.event_type }
        results.push(result)
        valid.push({ result, event })
      } catch (error) {
        results.push(failure(line, error))
      }
    })
    const invalid = results.filter((r) => !r.ok).length
    const send = !request.dryRun && valid.length > 0 && (invalid === 0 || request.skipInvalid)
    if (send) {
      const serde = this.#serde(topic)
      // The broker answers one base offset per partition: each record's partition is set here (the partitioner's
      // own choice for its key), so its offset is that base plus its rank among the batch's records there.
      const partitions = (await this.#ops.inspector.cluster([topic])).topics.get(topic)?.length ?? 0
      if (partitions === 0) throw new GrimError('GRIM_INPUT_INVALID', `topic ${topic} does not exist`)
      const records = []
      for (const { event } of valid) {
        const record = userEventRecord(topic, event, await serde.encodeValidated(event), {
          [PRODUCED_BY_HEADER]: request.by,
        })
        records.push({ ...record, partition: partitionOfKey(event.user_id, partitions) })
      }
      const bases = new Map((await this.#ops.producer.send(records)).map((p) => [p.partition, p.offset]))
      const rank = new Map<number, bigint>()
      records.forEach((record, i) => {
        const partition = record.partition
        const base = bases.get(partition)
        const k = rank.get(partition) ?? 0n
        rank.set(partition, k + 1n)
        if (base !== undefined) Object.assign(valid[i]?.result ?? {}, { partition, offset: String(base + k) })
      })
    }
    return { topic, dryRun: request.dryRun, sent: send, valid: valid.length, invalid, results }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#serdes.values()].map((s) => s.close()))
  }
}
