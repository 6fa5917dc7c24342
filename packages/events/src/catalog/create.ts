// The one way services build an event: fills the envelope (UUIDv7 id, timestamp, schema version, metadata
// defaults) and returns it validated, so a bad event fails in the caller's request, not in Kafka.
import { formatTimestamp } from './avro-type.ts'
import { newEventId } from './event-id.ts'
import type { EventMetadata, UserData, UserEvent, UserEventType } from './events.ts'
import { SCHEMA_VERSION, USER_EVENT_TYPES, userEventSchemas } from './events.ts'
import { validateUserEvent } from './validate.ts'

/** Nullable keys may be left out of the input; they are sent as null. */
type NullableOptional<T> = { [K in keyof T as null extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as null extends T[K] ? K : never]?: T[K]
}

/** The data object in its snake_case wire form; `id` defaults to `userId`, nullable fields to null. */
export type UserDataInput<T extends UserEventType> = T extends UserEventType
  ? NullableOptional<Omit<UserData<T>, 'id'>> & { id?: string }
  : never

export type PublishUserEventInput<T extends UserEventType = UserEventType> = T extends UserEventType
  ? {
      eventType: T
      userId: string
      userData: UserDataInput<T>
      metadata?: Partial<EventMetadata>
      /** Reuse an id (a retry of the same business action) so consumers deduplicate it. */
      eventId?: string
      /** An instant; a string without a zone (`2025-05-15T14:30:00.123456`) is UTC. */
      timestamp?: Date | string
    }
  : never

// Derived from the catalog rather than listed, so a new nullable field needs no edit here.
const nullableDataFields = new Map(
  USER_EVENT_TYPES.map((eventType) => {
    const properties = userEventSchemas[eventType].properties.data.properties as Record<string, { anyOf?: unknown[] }>
    const nullable = Object.keys(properties).filter((key) =>
      properties[key]?.anyOf?.some((branch) => (branch as { type?: string }).type === 'null'),
    )
    return [eventType, nullable]
  }),
)

export function createUserEvent<T extends UserEventType>(
  input: PublishUserEventInput<T>,
  now?: Date | number,
): UserEvent<T>
export function createUserEvent(input: PublishUserEventInput, now: Date | number = Date.now()): UserEvent {
  const nowMillis = typeof now === 'number' ? now : now.getTime()
  const data: Record<string, unknown> = { id: input.userId, ...input.userData }
  // The event is sent later (background publishing): arrays are copied so a caller reusing theirs cannot change
  // a validated event before it is encoded.
  for (const field in data) if (Array.isArray(data[field])) data[field] = [...(data[field] as unknown[])]
  for (const field of nullableDataFields.get(input.eventType) ?? []) data[field] ??= null
  const event = {
    // The id takes the process clock, never `now`: a caller's clock must not move every later id of the process.
    event_id: input.eventId ?? newEventId(),
    event_type: input.eventType,
    schema_version: SCHEMA_VERSION,
    user_id: input.userId,
    timestamp: utcTimestampOf(input.timestamp ?? nowMillis),
    data,
    metadata: {
      source: input.metadata?.source ?? 'unknown',
      source_ip: input.metadata?.source_ip ?? null,
      user_agent: input.metadata?.user_agent ?? null,
      request_id: input.metadata?.request_id ?? null,
    },
  }
  return validateUserEvent(event, nowMillis)
}

// A date-time without a zone, as the seed's own example has it (Python's `datetime.utcnow().isoformat()`,
// microseconds included, or `str(datetime)` with a space): the original system wrote UTC, so that is what it
// means. `Date` would read local time.
const WITHOUT_ZONE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)$/

/**
 * The event timestamp of an input instant, as ISO-8601 UTC with milliseconds. A string without a zone is read as
 * UTC; an unparseable one is returned as given so that validation names it (instead of a RangeError here).
 */
export function utcTimestampOf(timestamp: Date | string | number): string {
  if (typeof timestamp === 'number') return Number.isFinite(timestamp) ? formatTimestamp(timestamp) : String(timestamp)
  const local = typeof timestamp === 'string' ? WITHOUT_ZONE.exec(timestamp) : null
  const date = local ? new Date(`${local[1]}T${local[2]}Z`) : new Date(timestamp)
  return Number.isNaN(date.getTime()) ? String(timestamp) : date.toISOString()
}
