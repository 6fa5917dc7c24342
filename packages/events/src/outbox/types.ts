export type OutboxStatus = 'pending' | 'sent' | 'failed'

/** What a writer puts in the outbox: the JSON view of one event, addressed to a topic and key. */
export interface OutboxEventInput {
  /** UUID; consumers dedupe by it, so a re-sent row is recognised. */
  eventId: string
  topic: string
  /** The message key (the user_id): per-key order is kept from here to the consumer. */
  key: string
  eventType: string
  payload: unknown
  /** e.g. traceparent, to continue the writer's trace when the relay publishes. */
  headers?: Record<string, string>
}

export interface OutboxRow {
  /** Position in the outbox: the relay publishes in this order. */
  id: number
  eventId: string
  topic: string
  key: string
  eventType: string
  payload: unknown
  headers: Record<string, string>
  createdAt: Date
  /** Publish attempts before this one. */
  attempts: number
  lastError: string | null
  status: OutboxStatus
}

/**
 * Sends rows to Kafka, in the order given, and resolves only once the broker acknowledged every one of them.
 * Throws a retryable error (see `isRetryable`) when trying again later may work, a non-retryable one when
 * these rows can never be published.
 */
export type OutboxPublish = (rows: OutboxRow[]) => Promise<void>

/**
 * What a publish that pipelines promises (the user-event relay's send worker does): `publish` may be called again
 * before earlier calls settled, up to `batchesInFlight` calls; one call's rows never overtake an earlier call's rows
 * of the same key; calls settle in the order they were made; and after one fails, every later call fails too (or
 * sends only rows of keys the failure did not touch, naming the rest with `withUnsent`) until `resume()`.
 */
export interface OutboxPipeline {
  batchesInFlight: number
  /** The relay has dealt with a failure (its unsent rows stay pending): later calls may send again. */
  resume(): void
}

/** Metric hooks; the relay calls them synchronously and ignores what they return. */
export interface OutboxObserver {
  onPublished?(count: number): void
  onRetry?(error: unknown): void
  onFailed?(row: OutboxRow, error: unknown): void
}

/** The subset of a pino logger the relay writes to. */
export interface OutboxLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}
