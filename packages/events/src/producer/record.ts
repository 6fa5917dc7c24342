import type { UserEvent } from '../catalog/index.ts'
import type { OutgoingRecord } from '../kafka/index.ts'
import { injectTraceHeaders } from '../tracing/propagation.ts'

export const EVENT_HEADERS = {
  eventType: 'event_type',
  eventId: 'event_id',
  schemaVersion: 'schema_version',
  contentType: 'content-type',
} as const

/** Avro binary in the Confluent wire format (magic byte, schema id, payload). */
export const AVRO_CONTENT_TYPE = 'application/vnd.confluent.avro'

/** The headers of an event's record, with the caller's trace context (W3C traceparent) when there is one. */
export function eventHeaders(event: UserEvent, extraHeaders?: Record<string, string>): Record<string, string> {
  return injectTraceHeaders({
    [EVENT_HEADERS.eventType]: event.event_type,
    [EVENT_HEADERS.eventId]: event.event_id,
    [EVENT_HEADERS.schemaVersion]: String(event.schema_version),
    [EVENT_HEADERS.contentType]: AVRO_CONTENT_TYPE,
    ...extraHeaders,
  })
}

/** The Kafka record of an encoded event: keyed by user_id so one user's events stay in order. */
export function toRecord(
  topic: string,
  event: UserEvent,
  value: Buffer,
  extraHeaders?: Record<string, string>,
): OutgoingRecord {
  return { topic, key: event.user_id, value, headers: eventHeaders(event, extraHeaders) }
}
