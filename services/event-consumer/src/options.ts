import { randomBytes } from 'node:crypto'
import { USER_EVENTS_TOPIC } from '@grimos/events'
import { ConfigError, loadEnvConfig, serviceEnvFields } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'

// Every setting of the service, read from the environment once at start (see README.md). Kafka and registry
// connection variables (KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, GRIMOS_TOPIC_*) are read by
// @grimos/events itself; they are listed here only so a bad value fails at start with one line.
export const ServiceConfigSchema = Type.Object({
  ...serviceEnvFields,
  /** Bearer token of the DLQ and read APIs. Required outside development, at least 16 characters. */
  OPERATOR_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** PostgreSQL server; without it the embedded PGlite keeps the read model (in PGLITE_DATA_DIR or memory). */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PGlite folder when no DATABASE_URL; in memory when unset too. */
  PGLITE_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** search_path schema of the service's tables. */
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
  /** Read by @grimos/events (above); checked here so a bad value stops the start. */
  KAFKA_BOOTSTRAP_SERVERS: Type.Optional(Type.String({ minLength: 3 })),
  /** Read by @grimos/events (above); checked here so a bad value stops the start. */
  SCHEMA_REGISTRY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The topic of the user events. */
  USER_EVENTS_TOPIC: Type.String({ minLength: 1 }),
  /**
   * The principal the DLQ API connects as (replay writes the source topic, which the consumer's own principal may
   * not); the stack sets its `operator`. Unset: the service's own credentials (KAFKA_SASL_*).
   */
  DLQ_KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  /** Its password. Never logged. */
  DLQ_KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** Its SASL mechanism. */
  DLQ_KAFKA_SASL_MECHANISM: Type.Union([
    Type.Literal('SCRAM-SHA-256'),
    Type.Literal('SCRAM-SHA-512'),
    Type.Literal('PLAIN'),
  ]),
  /** The consumer group of the service. */
  CONSUMER_GROUP_ID: Type.String({ minLength: 1 }),
  /** How long a stop waits for running handlers. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1_000 }),
  /** Security audit log rows (IP address, user agent) are deleted this many days after their event. */
  AUDIT_LOG_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3_650 }),
  /** How often rows past the audit log retention are deleted (and once at start). */
  AUDIT_LOG_PRUNE_INTERVAL_MS: Type.Integer({ minimum: 1_000 }),
})

export type ServiceConfig = Static<typeof ServiceConfigSchema>

export const serviceConfigDefaults: Partial<ServiceConfig> = {
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: 3002,
  LOG_LEVEL: 'info',
  DATABASE_SCHEMA: 'public',
  USER_EVENTS_TOPIC,
  CONSUMER_GROUP_ID: 'grimos-event-consumer',
  DLQ_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  SHUTDOWN_TIMEOUT_MS: 20_000,
  AUDIT_LOG_RETENTION_DAYS: 90,
  AUDIT_LOG_PRUNE_INTERVAL_MS: 60 * 60 * 1000,
}

/** Reads and validates the environment; throws a one-line ConfigError naming the variable. */
export function loadServiceConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  return loadEnvConfig(ServiceConfigSchema, serviceConfigDefaults, env)
}

export interface OperatorToken {
  token: string
  /** True when no OPERATOR_TOKEN was set and one was made for this run (development and test only). */
  generated: boolean
}

/**
 * The operator token: OPERATOR_TOKEN when set; in production its absence stops the start. Elsewhere a random one
 * is made for this run, so a laptop needs no setup and never runs the DLQ API unprotected.
 */
export function resolveOperatorToken(config: Pick<ServiceConfig, 'NODE_ENV' | 'OPERATOR_TOKEN'>): OperatorToken {
  if (config.OPERATOR_TOKEN !== undefined) return { token: config.OPERATOR_TOKEN, generated: false }
  if (config.NODE_ENV === 'production') throw new ConfigError('OPERATOR_TOKEN', 'is required when NODE_ENV=production')
  return { token: randomBytes(24).toString('base64url'), generated: true }
}
