import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { USER_EVENTS_TOPIC } from '@grimos/events'
import { loadEnvConfig, serviceEnvFields } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'

// Every setting of the console server, read from the environment once at start. Kafka and registry connection
// variables (KAFKA_*, SCHEMA_REGISTRY_*) are read by @grimos/events itself: the stack sets the operator's.
export const ConsoleConfigSchema = Type.Object({
  ...serviceEnvFields,
  /** PostgreSQL of the operator accounts, sessions and audit log; without it, PGlite in PGLITE_DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PGlite folder when no DATABASE_URL; in memory when unset too (accounts then last one run). */
  PGLITE_DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** The schema of the console's tables. */
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
  /** Where the first start writes console-admin.password (0600). */
  CONSOLE_SECRETS_DIR: Type.String({ minLength: 1 }),
  /** The built front end served at `/` (skipped when missing). */
  CONSOLE_WEB_DIR: Type.String({ minLength: 1 }),
  /** The user events topic: produce's default and the trace's main topic. */
  USER_EVENTS_TOPIC: Type.String({ minLength: 1 }),
  /** The consumer group whose commits tell that an event was handled (trace). */
  CONSOLE_CONSUMER_GROUP: Type.String({ minLength: 1 }),
  /** How long a login lasts. */
  CONSOLE_SESSION_TTL_MS: Type.Integer({ minimum: 60_000, maximum: 7 * 24 * 3_600_000 }),
  /** Most records one message search or trace reads before answering (with a cursor to go on). */
  CONSOLE_MAX_SCAN: Type.Integer({ minimum: 1_000, maximum: 10_000_000 }),
  /** Live streams (SSE: tail, throughput, lag) open at once; each polls Kafka. */
  CONSOLE_MAX_STREAMS: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** Period of the live samples (throughput, lag). */
  CONSOLE_SAMPLE_MS: Type.Integer({ minimum: 250, maximum: 60_000 }),
  /** Failed logins per client address per 15 minutes before logins from it are refused. */
  CONSOLE_LOGIN_PER_ADDRESS: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** Failed logins per username per 15 minutes before its logins are refused. */
  CONSOLE_LOGIN_PER_USERNAME: Type.Integer({ minimum: 1, maximum: 10_000 }),
})

export type ConsoleConfig = Static<typeof ConsoleConfigSchema>

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export const consoleConfigDefaults: Partial<ConsoleConfig> = {
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: 3003,
  LOG_LEVEL: 'info',
  DATABASE_SCHEMA: 'grimos_console',
  CONSOLE_SECRETS_DIR: join(repoRoot, '.grimos', 'secrets'),
  CONSOLE_WEB_DIR: join(repoRoot, 'console', 'web', 'dist'),
  USER_EVENTS_TOPIC,
  CONSOLE_CONSUMER_GROUP: 'grimos-event-consumer',
  CONSOLE_SESSION_TTL_MS: 8 * 3_600_000,
  CONSOLE_MAX_SCAN: 100_000,
  CONSOLE_SAMPLE_MS: 2_000,
  CONSOLE_MAX_STREAMS: 100,
  CONSOLE_LOGIN_PER_ADDRESS: 20,
  CONSOLE_LOGIN_PER_USERNAME: 10,
}

export function loadConsoleConfig(env: Record<string, string | undefined> = process.env): ConsoleConfig {
  return loadEnvConfig(ConsoleConfigSchema, consoleConfigDefaults, env)
}
