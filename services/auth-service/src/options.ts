import { resolve } from 'node:path'
import { USER_EVENTS_TOPIC } from '@grimos/events'
import { loadEnvConfig, serviceEnvFields } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'
import type { UserEventSettings } from './events.ts'
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy.ts'

// The service's configuration, from the environment, validated once at start. Schema and defaults side by side.
export const AuthEnvSchema = Type.Object({
  ...serviceEnvFields,
  /** PostgreSQL server; without it the embedded PGlite in AUTH_DATA_DIR is used. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PGlite folder, relative to the repository root unless absolute. */
  AUTH_DATA_DIR: Type.String({ minLength: 1 }),
  /** The PostgreSQL schema of the service's tables (search_path). */
  AUTH_DB_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
  /** HS256 signing key. Required in production; in development one is generated per data dir. */
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Lifetime of an access token (JWT). */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 24 * 3600 }),
  /** Lifetime of a refresh token (rotated on each use). */
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 90 * 24 * 3600 }),
  /** How long a session row is kept after it ended (expired or revoked), for looking into an incident; then deleted. */
  ENDED_SESSION_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650 }),
  /** How long an email verification token stays valid. */
  EMAIL_VERIFICATION_TTL_SECONDS: Type.Integer({ minimum: 60 }),
  /** Login attempts per account and address in the window. */
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ minimum: 1 }),
  /** The rate-limit window. */
  LOGIN_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000 }),
  /** Login attempts per client address across all emails in the window; default `loginAttemptsPerAddressFactor` × the per-account limit. */
  LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Registrations per client address in the registration window (shared by every instance, in the database). */
  REGISTRATION_RATE_LIMIT_MAX: Type.Integer({ minimum: 1 }),
  /** The registration rate-limit window. */
  REGISTRATION_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000 }),
  /** Largest request body; more is a 413. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1_024, maximum: 1_048_576 }),
  /**
   * Only behind proxies you run: `false`, a hop count (`1`: the nearest proxy) or a comma-separated list of proxy
   * IPs/CIDRs whose X-Forwarded-For is believed for source_ip and rate limiting. `true` (trust all) is refused.
   */
  TRUST_PROXY: Type.String({ minLength: 1 }),
  /** The topic of the user events (the outbox rows are addressed to it). */
  USER_EVENTS_TOPIC: Type.String({ minLength: 1 }),
  /** `off` writes no outbox row and runs no relay: for benchmarks measuring the cost of publishing, never for use. */
  EVENT_PUBLISHING: Type.Union([Type.Literal('on'), Type.Literal('off')]),
})

export const authEnvDefaults = {
  NODE_ENV: 'development' as const,
  HOST: '127.0.0.1',
  PORT: 3001,
  LOG_LEVEL: 'info' as const,
  AUTH_DATA_DIR: '.grimos/auth-service/db',
  AUTH_DB_SCHEMA: 'auth',
  ACCESS_TOKEN_TTL_SECONDS: 15 * 60,
  REFRESH_TOKEN_TTL_SECONDS: 7 * 24 * 3600,
  EMAIL_VERIFICATION_TTL_SECONDS: 24 * 3600,
  ENDED_SESSION_RETENTION_DAYS: 30,
  LOGIN_RATE_LIMIT_MAX: 5,
  LOGIN_RATE_LIMIT_WINDOW_MS: 60_000,
  BODY_LIMIT_BYTES: 16 * 1024,
  REGISTRATION_RATE_LIMIT_MAX: 5,
  REGISTRATION_RATE_LIMIT_WINDOW_MS: 60 * 60 * 1000,
  TRUST_PROXY: 'false',
  USER_EVENTS_TOPIC,
  EVENT_PUBLISHING: 'on' as const,
} satisfies Partial<Static<typeof AuthEnvSchema>>

export type AuthEnv = Static<typeof AuthEnvSchema>

/** Room for a household or office behind one address, while still bounding password spraying from it. */
export const loginAttemptsPerAddressFactor = 10

export const repositoryRoot = resolve(import.meta.dirname, '../../..')

/** What the HTTP app needs; tests build it directly. */
export interface AuthSettings {
  jwtSecret: string
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
  emailVerificationTtlSeconds: number
  /** Ended sessions are deleted this long after they ended; default 30 days. */
  endedSessionRetentionDays?: number
  /**
   * Login attempts per window: `max` per client address and account (also per user for current-password checks),
   * `perAddressMax` per address across accounts (default `loginAttemptsPerAddressFactor` × `max`).
   */
  loginRateLimit: { max: number; windowMs: number; perAddressMax?: number }
  /** Registrations per client address and window; default 5 per hour. */
  registrationRateLimit?: { max: number; windowMs: number }
  bodyLimit: number
  trustProxy: TrustProxy
  /** With no mailer, outside production the verification token is returned to the caller. */
  exposeVerificationToken: boolean
  /** Default: USER_EVENTS_TOPIC of @grimos/events, publishing on. */
  userEvents?: UserEventSettings
}

export const registrationRateLimitDefaults = {
  max: authEnvDefaults.REGISTRATION_RATE_LIMIT_MAX,
  windowMs: authEnvDefaults.REGISTRATION_RATE_LIMIT_WINDOW_MS,
}

export function loadAuthEnv(env: Record<string, string | undefined> = process.env): AuthEnv {
  const config = loadEnvConfig(AuthEnvSchema, authEnvDefaults, env)
  // Parsed here too, so a bad value stops the start with one line before anything opens.
  parseTrustProxy(config.TRUST_PROXY)
  return { ...config, AUTH_DATA_DIR: resolve(repositoryRoot, config.AUTH_DATA_DIR) }
}

export function settingsFrom(env: AuthEnv, jwtSecret: string): AuthSettings {
  return {
    jwtSecret,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
    endedSessionRetentionDays: env.ENDED_SESSION_RETENTION_DAYS,
    loginRateLimit: {
      max: env.LOGIN_RATE_LIMIT_MAX,
      windowMs: env.LOGIN_RATE_LIMIT_WINDOW_MS,
      perAddressMax: env.LOGIN_RATE_LIMIT_PER_ADDRESS_MAX ?? env.LOGIN_RATE_LIMIT_MAX * loginAttemptsPerAddressFactor,
    },
    registrationRateLimit: { max: env.REGISTRATION_RATE_LIMIT_MAX, windowMs: env.REGISTRATION_RATE_LIMIT_WINDOW_MS },
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    exposeVerificationToken: env.NODE_ENV !== 'production',
    userEvents: { topic: env.USER_EVENTS_TOPIC, publishing: env.EVENT_PUBLISHING === 'on' },
  }
}
