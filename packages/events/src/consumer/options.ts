import { Type } from 'typebox'
import { BackoffSchema } from '../retry/backoff.ts'

export const RETRY_SUFFIX = '.retry'

export function retryTopicOf(topic: string): string {
  return `${topic}${RETRY_SUFFIX}`
}

// Objects with methods (serde, store, dead-letter sink, registry, logger) are not part of the schema: they
// are checked for shape by TypeScript and passed beside the validated data options.
export const ConsumerOptionsSchema = Type.Object({
  /** The consumer group; members of one group share the partitions. */
  groupId: Type.String({ minLength: 1 }),
  /** Source topics; each has its `<topic>.retry` read too. */
  topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  /** Names the clients in broker logs. */
  clientId: Type.String({ minLength: 1 }),
  /** Brokers; the Kafka connection default (KAFKA_BOOTSTRAP_SERVERS) when unset. */
  bootstrapBrokers: Type.Optional(Type.Array(Type.String({ minLength: 3 }), { minItems: 1 })),
  /** Where a group with no committed offset starts. */
  fromBeginning: Type.Boolean(),
  /** Default retry policy; a handler's own `retry` overrides single fields. */
  retry: BackoffSchema,
  /**
   * Waits of a record for an unreachable dependency (registry, database, broker): exponential from
   * `initialDelayMs`, capped at `maxDelayMs`, for as long as the outage lasts. They never count as attempts.
   */
  outageBackoff: Type.Object({
    initialDelayMs: Type.Integer({ minimum: 1 }),
    maxDelayMs: Type.Integer({ minimum: 1 }),
  }),
  /** Retries whose delay is at most this long wait in process; longer ones go through the retry topic. */
  inProcessRetryLimitMs: Type.Integer({ minimum: 0 }),
  /** What to do with an event type that has no handler. */
  unhandledEvents: Type.Union([Type.Literal('dead-letter'), Type.Literal('skip')]),
  /** Handlers running at once (different keys; one key always runs one at a time). */
  concurrency: Type.Integer({ minimum: 1, maximum: 1_000 }),
  /** Fetching pauses while more records than this are held unfinished in memory. */
  maxBufferedRecords: Type.Integer({ minimum: 10 }),
  /** How often finished offsets are committed. */
  commitIntervalMs: Type.Integer({ minimum: 10 }),
  /** On revoke, how long to wait for running handlers before letting the partitions go anyway. */
  revokeTimeoutMs: Type.Integer({ minimum: 0 }),
  /** How often lag and DLQ depth gauges are refreshed (0 = never). */
  metricsIntervalMs: Type.Integer({ minimum: 0 }),
  /** `live` turns false when work is pending but nothing finished for this long. */
  stallTimeoutMs: Type.Integer({ minimum: 1_000 }),
  /** A member silent this long leaves the group (its partitions move). */
  sessionTimeoutMs: Type.Integer({ minimum: 1_000 }),
  /** How often a member tells the coordinator it lives. */
  heartbeatIntervalMs: Type.Integer({ minimum: 100 }),
  /** Partitions and replication of retry topics we create (partitions always follow the source topic). */
  retryTopicLayout: Type.Object({
    replicationFactor: Type.Optional(Type.Integer({ minimum: 1 })),
    minInsyncReplicas: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
})

export const consumerDefaults = {
  clientId: 'grimos-consumer',
  fromBeginning: true,
  retry: { initialDelayMs: 200, multiplier: 2, maxDelayMs: 60_000, jitter: 0.2, maxAttempts: 5 },
  outageBackoff: { initialDelayMs: 250, maxDelayMs: 5_000 },
  inProcessRetryLimitMs: 1_000,
  unhandledEvents: 'dead-letter' as const,
  concurrency: 16,
  maxBufferedRecords: 5_000,
  commitIntervalMs: 500,
  revokeTimeoutMs: 10_000,
  metricsIntervalMs: 10_000,
  stallTimeoutMs: 60_000,
  sessionTimeoutMs: 20_000,
  heartbeatIntervalMs: 1_000,
  retryTopicLayout: {},
}
