// Validation runs before anything reaches Kafka and after anything is decoded: first the Avro schema
// (structure, with field paths), then the business rules. All violations come back in one error.
// It sits on the encode hot path, so a valid event takes the fast route (avsc's generated checker plus
// the rules); only an invalid one pays for the walk that names every field.
import avro from 'avsc'
import { EventValidationError, GrimError, type Violation, withoutStack } from '../errors.ts'
import { avroViolations } from './avro-check.ts'
import type { AvroType } from './avro-type.ts'
import { isUserEventType, USER_EVENT_TYPES, type UserEvent } from './events.ts'
import { businessViolations } from './rules.ts'
import { avroTypeFor } from './schemas.ts'

const strict = { noUndeclaredFields: true }

/** Checks `value` against the catalog schema of its event type and the business rules; returns it typed. */
export function validateUserEvent(value: unknown, now: Date | number = Date.now()): UserEvent {
  const event = asEventObject(value)
  return validateAgainst(avroTypeFor(knownEventType(event)), event, now)
}

/**
 * The same checks against another Avro type of the same event: a consumer's reader schema, which may be
 * newer or older than the catalog this library was built with.
 */
export function validateAgainst(type: AvroType, value: unknown, now: Date | number = Date.now()): UserEvent {
  const event = asEventObject(value)
  const eventType = knownEventType(event)
  const nowMs = typeof now === 'number' ? now : now.getTime()
  const rules = businessViolations(event, nowMs)
  if (rules.length === 0 && type.isValid(event, strict) && defaultedFieldsPresent(type, event))
    return event as unknown as UserEvent
  const violations = [...avroViolations(type, event), ...rules]
  // Unreachable in practice (the walk is stricter than the fast route), but never let an event through unnamed.
  if (violations.length === 0) violations.push({ field: '(root)', rule: 'avro-type', message: 'must match the schema' })
  throw new EventValidationError(violations, eventType)
}

/**
 * For a value the Avro decoder just produced with `type`: the structure already holds by construction (every
 * field present, every value of its declared type), so only the business rules run. A breach still gets the
 * full report, field paths included, like `validateAgainst`, without stack frames: it is the input's fault.
 */
export function validateDecoded(type: AvroType, value: unknown, now: Date | number = Date.now()): UserEvent {
  const event = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined
  if (event && isUserEventType(event.event_type)) {
    const rules = businessViolations(event, typeof now === 'number' ? now : now.getTime())
    if (rules.length === 0) return event as unknown as UserEvent
  }
  return withoutStack(() => validateAgainst(type, value, now))
}

type Loose = Record<string, unknown>

// avsc accepts a missing field that has a default; our JSON view wants every key present (null when empty).
const defaultedPaths = new WeakMap<AvroType, string[][]>()

function defaultedFieldsPresent(type: AvroType, event: Record<string, unknown>): boolean {
  let paths = defaultedPaths.get(type)
  if (!paths) {
    paths = collectDefaulted(type, [])
    defaultedPaths.set(type, paths)
  }
  for (const path of paths) {
    let node: unknown = event
    for (const key of path) node = (node as Record<string, unknown>)[key]
    if (node === undefined) return false
  }
  return true
}

function collectDefaulted(type: AvroType, prefix: string[]): string[][] {
  if (!avro.Type.isType(type, 'record')) return []
  return (type as avro.types.RecordType).fields.flatMap((field) => [
    ...(field.defaultValue() === undefined ? [] : [[...prefix, field.name]]),
    ...collectDefaulted(field.type, [...prefix, field.name]),
  ])
}

function asEventObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new EventValidationError([{ field: '(root)', rule: 'object', message: 'must be an event object' }])
  return value as Record<string, unknown>
}

function knownEventType(event: Record<string, unknown>): UserEvent['event_type'] {
  const eventType = event.event_type
  if (isUserEventType(eventType)) return eventType
  if (typeof eventType !== 'string') {
    const violation: Violation = { field: 'event_type', rule: 'required', message: 'is required (a string)' }
    throw new EventValidationError([violation])
  }
  throw new GrimError(
    'GRIM_EVENT_TYPE_UNKNOWN',
    `event_type ${JSON.stringify(eventType)} is not in the catalog (known: ${USER_EVENT_TYPES.join(', ')})`,
    {
      details: {
        eventType,
        violations: [{ field: 'event_type', rule: 'known-event-type', message: 'must be a catalog event type' }],
      },
    },
  )
}
