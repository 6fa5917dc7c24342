import { Type } from 'typebox'
import { GrimError } from '../errors.ts'

// Only the data options are validated here; `decoder` and `observer` are objects with methods and are
// checked for shape by TypeScript.
const Connection = Type.Object({
  bootstrapBrokers: Type.Optional(Type.Array(Type.String({ minLength: 3 }), { minItems: 1 })),
  clientId: Type.Optional(Type.String({ minLength: 1 })),
  requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
})

export const DeadLetterQueueOptionsSchema = Type.Object({
  /** The DLQ topic to browse; or give `sourceTopic` and the DLQ is `<sourceTopic>.dlq`. */
  dlqTopic: Type.Optional(Type.String({ minLength: 1 })),
  /** The topic whose DLQ this is (`<sourceTopic>.dlq`), and where replays go. */
  sourceTopic: Type.Optional(Type.String({ minLength: 1 })),
  /** Where replay and discard decisions are kept; default `<dlqTopic>.status` (compacted). */
  statusTopic: Type.Optional(Type.String({ minLength: 1 })),
  /** Kafka connection options; the library defaults when unset. */
  connection: Type.Optional(Connection),
  /** A record is replayed at most this often over its whole life (the count travels in its headers). */
  maxReplays: Type.Integer({ minimum: 1 }),
})

export const deadLetterQueueDefaults = {
  maxReplays: 3,
}

export const DeadLetterWriterOptionsSchema = Type.Object({
  connection: Type.Optional(Connection),
  /** Partitions of a DLQ topic we create; default: as many as the source topic, so keys keep their order. */
  partitions: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Of a DLQ topic we create; the topic defaults when unset. */
  replicationFactor: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Of a DLQ topic we create; the topic defaults when unset. */
  minInsyncReplicas: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * `retention.ms` of a DLQ topic we create: dead letters hold whole events (emails, IP addresses), so they are
   * kept for a set time (docs/privacy.md), never the broker's default. An existing topic keeps its own setting.
   */
  retentionMs: Type.Integer({ minimum: 60_000 }),
})

/** Two weeks: time for an operator to look at a dead letter, then it is gone with what it holds. */
export const DLQ_RETENTION_MS = 14 * 24 * 60 * 60 * 1000

export const deadLetterWriterDefaults = { retentionMs: DLQ_RETENTION_MS }

export const DLQ_SUFFIX = '.dlq'
export const STATUS_SUFFIX = '.status'

export function deadLetterTopicOf(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`
}

export function statusTopicOf(dlqTopic: string): string {
  return `${dlqTopic}${STATUS_SUFFIX}`
}

export function requireDlqTopic(options: { dlqTopic?: string; sourceTopic?: string }): string {
  const topic = options.dlqTopic ?? (options.sourceTopic ? deadLetterTopicOf(options.sourceTopic) : undefined)
  if (!topic)
    throw new GrimError('GRIM_CONFIG_INVALID', 'DeadLetterQueue options are invalid: give dlqTopic or sourceTopic', {
      details: { component: 'DeadLetterQueue' },
    })
  return topic
}
