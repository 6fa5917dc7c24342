// Second validation level: business rules the Avro schema cannot express. Each check guards its own input
// types, so a structurally broken event still gets every rule it breaks reported in one error.
import { validate as isUuid } from 'uuid'
import type { Violation } from '../errors.ts'
import { parseTimestamp } from './avro-type.ts'

/** Nothing grimOS publishes can be older than the platform. */
export const EARLIEST_TIMESTAMP = Date.parse('2020-01-01T00:00:00.000Z')
/** How far ahead of our clock a producer's clock may run. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
// Pragmatic address check (RFC 5321 lengths, one @, dotted domain); deliverability is the mailer's job.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/
const NIL_OR_MAX_UUID = /^(0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i

export function isEmail(value: string): boolean {
  return value.length <= 254 && value.indexOf('@') <= 64 && EMAIL.test(value)
}

type Loose = Record<string, unknown>

export function businessViolations(event: Loose, nowMs: number): Violation[] {
  const out: Violation[] = []
  const data = isObject(event.data) ? event.data : undefined

  if (typeof event.event_id === 'string' && (!isUuid(event.event_id) || NIL_OR_MAX_UUID.test(event.event_id)))
    out.push({ field: 'event_id', rule: 'uuid', message: 'must be an RFC 4122 UUID (v7 for new events)' })

  if (typeof event.schema_version === 'number' && event.schema_version < 1)
    out.push({ field: 'schema_version', rule: 'min', message: 'must be 1 or more' })

  if (typeof event.timestamp === 'string') checkTimestamp(event.timestamp, nowMs, out)

  if (data && typeof data.email === 'string' && !isEmail(data.email))
    out.push({ field: 'data.email', rule: 'email', message: 'must be a valid email address' })

  if (data && typeof event.user_id === 'string' && typeof data.id === 'string' && event.user_id !== data.id)
    out.push({ field: 'user_id', rule: 'matches-data-id', message: 'must equal data.id (the user the event is about)' })

  if (isObject(event.metadata) && event.metadata.source === '')
    out.push({ field: 'metadata.source', rule: 'non-empty', message: 'must name the publishing service' })

  // The walk that names the field builds a path per field: only run it when something is wrong.
  if (hasBadText(event, 0)) checkText(event, '', out, 0)

  if (data && event.event_type === 'user_login') checkLogin(data, out)
  if (data && event.event_type === 'user_email_verified') checkVerifiedEmail(data, out)
  return out
}

function checkTimestamp(timestamp: string, nowMs: number, out: Violation[]): void {
  const millis = parseTimestamp(timestamp)
  if (!ISO_8601.test(timestamp) || Number.isNaN(millis)) {
    out.push({ field: 'timestamp', rule: 'iso-8601', message: 'must be an ISO-8601 date-time with a time zone' })
  } else if (millis < EARLIEST_TIMESTAMP) {
    out.push({ field: 'timestamp', rule: 'not-before-2020', message: 'must not be before 2020-01-01T00:00:00Z' })
  } else if (millis > nowMs + MAX_CLOCK_SKEW_MS) {
    out.push({ field: 'timestamp', rule: 'not-in-future', message: 'must not be more than 5 minutes in the future' })
  }
}

/** Events are nested three deep at most; anything deeper is the schema's to refuse, not this walk's to follow. */
const MAX_TEXT_DEPTH = 4

/**
 * NUL and unpaired surrogates: JSON and Avro carry them, but PostgreSQL text and jsonb refuse them, and a consumer
 * whose read model refuses an event retries it into the DLQ. Refused at the source instead, and on decoding.
 */
function checkText(value: unknown, path: string, out: Violation[], depth: number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || !value.isWellFormed())
      out.push({ field: path || '(root)', rule: 'text', message: 'must not contain NUL or unpaired surrogates' })
    return
  }
  if (depth >= MAX_TEXT_DEPTH || value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkText(value[i], `${path}[${i}]`, out, depth + 1)
    return
  }
  for (const key in value) checkText((value as Loose)[key], path ? `${path}.${key}` : key, out, depth + 1)
}

/** `checkText` without the field paths: whether any string in reach breaks the text rule. */
function hasBadText(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed()
  if (depth >= MAX_TEXT_DEPTH || value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBadText(value[i], depth + 1)) return true
    return false
  }
  for (const key in value) if (hasBadText((value as Loose)[key], depth + 1)) return true
  return false
}

function checkLogin(data: Loose, out: Violation[]): void {
  if (data.outcome === 'failure' && (typeof data.failure_reason !== 'string' || data.failure_reason === ''))
    out.push({ field: 'data.failure_reason', rule: 'failure-reason', message: 'is required when outcome is failure' })
  if (data.outcome === 'success' && data.failure_reason !== null && data.failure_reason !== undefined)
    out.push({ field: 'data.failure_reason', rule: 'failure-reason', message: 'must be null when outcome is success' })
}

function checkVerifiedEmail(data: Loose, out: Violation[]): void {
  if (typeof data.verified_email !== 'string') return
  if (!isEmail(data.verified_email))
    out.push({ field: 'data.verified_email', rule: 'email', message: 'must be a valid email address' })
  else if (typeof data.email === 'string' && data.verified_email.toLowerCase() !== data.email.toLowerCase())
    out.push({ field: 'data.verified_email', rule: 'matches-email', message: 'must equal data.email' })
}

function isObject(value: unknown): value is Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
