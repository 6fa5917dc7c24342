import { Type } from 'typebox'
import { BackoffSchema } from '../retry/backoff.ts'

// The relay retries a failing publish forever, so the backoff has no attempt limit.
const RelayBackoffSchema = Type.Omit(BackoffSchema, ['maxAttempts'])

export const OutboxRelayOptionsSchema = Type.Object({
  /** Names this relay in logs; a fresh `relay-<pid>-<random>` by default. */
  relayId: Type.String({ minLength: 1 }),
  /** How often to look for new rows when nobody calls `wake()`, and how often a standby tries to take over. */
  pollIntervalMs: Type.Integer({ minimum: 1 }),
  /** Rows handed to one `publish` call. */
  batchSize: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /**
   * Batches published back to back before the relay checks its lock and cleanup again. Within them, reading the
   * next batch and marking the previous one overlap with publishing, and a pipelining publish has several batches
   * under way (docs/publishing-pipeline.md).
   */
  pipelineBatches: Type.Integer({ minimum: 1, maximum: 1_000 }),
  /** Backoff between attempts of a failing publish (no attempt limit: rows wait). */
  backoff: RelayBackoffSchema,
  /** Sent rows are kept this long (for audit and replay), then deleted. */
  sentRetentionMs: Type.Integer({ minimum: 0 }),
  /** How often sent rows past their retention are deleted. */
  cleanupIntervalMs: Type.Integer({ minimum: 1_000 }),
})

export const outboxRelayDefaults = {
  pollIntervalMs: 200,
  batchSize: 1_000,
  pipelineBatches: 20,
  // Half jitter keeps a floor, so a broker that is down is not hammered by near-zero delays.
  backoff: { initialDelayMs: 200, multiplier: 2, maxDelayMs: 30_000, jitter: 0.5 },
  sentRetentionMs: 24 * 60 * 60 * 1000,
  cleanupIntervalMs: 10 * 60 * 1000,
}
