import { resolve } from 'node:path'
import { USER_EVENTS_TOPIC } from '@grimos/events'
import { loadEnvConfig, serviceEnvFields } from '@grimos/service-kit'
import { type Static, Type } from 'typebox'
import type { UserEventSettings } from './events.ts'

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
  /** How long an email verification token stays valid. */
  EMAIL_VERIFICATION_TTL_SECONDS: Type.Integer({ minimum: 60 }),
  /** Login attempts per account and address in the window. */
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ minimum: 1 }),
  /** The rate-limit window. */
  LOGIN_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1_000 }),
  /** Login attempts per client address across all emails in the window; default `loginAttemptsPerAddressFactor` × the per-account limit. */
  LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Largest request body; more is a 413. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1_024, maximum: 1_048_576 }),
  /** Only behind a proxy you run: trusts X-Forwarded-For for source_ip and rate limiting. */
  TRUST_PROXY: Type.Boolean(),
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
  LOGIN_RATE_LIMIT_MAX: 5,
  LOGIN_RATE_LIMIT_WINDOW_MS: 60_000,
  BODY_LIMIT_BYTES: 16 * 1024,
  TRUST_PROXY: false,
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
  /**
   * Login attempts per window: `max` per client address and account (also per user for current-password checks),
   * `perAddressMax` per address across accounts (default `loginAttemptsPerAddressFactor` × `max`).
   */
  loginRateLimit: { max: number; windowMs: number; perAddressMax?: number }
  bodyLimit: number
  trustProxy: boolean
  /** With no mailer, outside production the verification token is returned to the caller. */
  exposeVerificationToken: boolean
  /** Default: USER_EVENTS_TOPIC of @grimos/events, publishing on. */
  userEvents?: UserEventSettings
}

export function loadAuthEnv(env: Record<string, string | undefined> = process.env): AuthEnv {
  const config = loadEnvConfig(AuthEnvSchema, authEnvDefaults, env)
  return { ...config, AUTH_DATA_DIR: resolve(repositoryRoot, config.AUTH_DATA_DIR) }
}

export function settingsFrom(env: AuthEnv, jwtSecret: string): AuthSettings {
  return {
    jwtSecret,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
    loginRateLimit: {
      max: env.LOGIN_RATE_LIMIT_MAX,
      windowMs: env.LOGIN_RATE_LIMIT_WINDOW_MS,
      perAddressMax: env.LOGIN_RATE_LIMIT_PER_ADDRESS_MAX ?? env.LOGIN_RATE_LIMIT_MAX * loginAttemptsPerAddressFactor,
    },
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    exposeVerificationToken: env.NODE_ENV !== 'production',
    userEvents: { topic: env.USER_EVENTS_TOPIC, publishing: env.EVENT_PUBLISHING === 'on' },
  }
}
