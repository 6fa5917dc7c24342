import { Type } from 'typebox'

// Connection settings shared by every Kafka client we create. The env vars are read here and nowhere else.
export const ConnectionOptionsSchema = Type.Object({
  bootstrapBrokers: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
  clientId: Type.String({ minLength: 1 }),
  /** Per-request timeout (ms). */
  requestTimeoutMs: Type.Integer({ minimum: 100 }),
})

export const connectionDefaults = {
  bootstrapBrokers: (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
  clientId: 'grimos-events',
  requestTimeoutMs: 30_000,
}

/** Topic layout for topics we create ourselves. On one local broker these fall back to 1/1. */
export const TopicOptionsSchema = Type.Object({
  partitions: Type.Integer({ minimum: 1 }),
  replicationFactor: Type.Integer({ minimum: 1 }),
  minInsyncReplicas: Type.Integer({ minimum: 1 }),
  retentionMs: Type.Optional(Type.Integer({ minimum: -1 })),
})

export const topicDefaults = {
  partitions: Number(process.env.GRIMOS_TOPIC_PARTITIONS ?? 6),
  replicationFactor: Number(process.env.GRIMOS_TOPIC_REPLICATION ?? 1),
  minInsyncReplicas: Number(process.env.GRIMOS_TOPIC_MIN_ISR ?? 1),
}
