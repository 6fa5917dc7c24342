import { Type } from 'typebox'

// Connection settings shared by every Kafka client we create. The environment (env.ts) comes between these
// defaults and what the caller passes.
export const SaslOptionsSchema = Type.Object({
  mechanism: Type.Union([
    Type.Literal('PLAIN'),
    Type.Literal('SCRAM-SHA-256'),
    Type.Literal('SCRAM-SHA-512'),
    Type.Literal('OAUTHBEARER'),
  ]),
  username: Type.Optional(Type.String({ minLength: 1 })),
  password: Type.Optional(Type.String({ minLength: 1 })),
  /** OAUTHBEARER's token. */
  token: Type.Optional(Type.String({ minLength: 1 })),
})

export const TlsOptionsSchema = Type.Object({
  /** PEM of the CA(s) that signed the brokers' certificates; the system CAs when absent. */
  ca: Type.Optional(Type.String({ minLength: 1 })),
  /** PEM client certificate and key, for mutual TLS. */
  cert: Type.Optional(Type.String({ minLength: 1 })),
  key: Type.Optional(Type.String({ minLength: 1 })),
  /** The name the brokers' certificates are checked against, when it differs from the host dialled. */
  servername: Type.Optional(Type.String({ minLength: 1 })),
})

export const ConnectionOptionsSchema = Type.Object({
  /** Brokers to bootstrap from (`host:port`); KAFKA_BOOTSTRAP_SERVERS. */
  bootstrapBrokers: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
  /** Names the client in broker logs and quotas. */
  clientId: Type.String({ minLength: 1 }),
  /** Per-request timeout (ms). */
  requestTimeoutMs: Type.Integer({ minimum: 100 }),
  /** SASL authentication (SASL_PLAINTEXT, or SASL_SSL with `tls`). */
  sasl: Type.Optional(SaslOptionsSchema),
  /** TLS to the brokers (SSL, or SASL_SSL with `sasl`). */
  tls: Type.Optional(TlsOptionsSchema),
})

export const connectionDefaults = {
  bootstrapBrokers: ['127.0.0.1:9092'],
  clientId: 'grimos-events',
  requestTimeoutMs: 30_000,
}

/** Topic layout for topics we create ourselves. On one local broker these are 1/1; production sets 3/2. */
export const TopicOptionsSchema = Type.Object({
  /** Partitions; GRIMOS_TOPIC_PARTITIONS. */
  partitions: Type.Integer({ minimum: 1 }),
  /** Replicas of each partition; GRIMOS_TOPIC_REPLICATION (3 in production). */
  replicationFactor: Type.Integer({ minimum: 1 }),
  /** In-sync replicas an acks=all write needs; GRIMOS_TOPIC_MIN_ISR (2 in production). */
  minInsyncReplicas: Type.Integer({ minimum: 1 }),
  /** `retention.ms` of the topic; the broker's default when unset. */
  retentionMs: Type.Optional(Type.Integer({ minimum: -1 })),
})

export const topicDefaults = {
  partitions: 6,
  replicationFactor: 1,
  minInsyncReplicas: 1,
}
