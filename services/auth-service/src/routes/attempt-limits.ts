import type { FastifyRequest } from 'fastify'
import { claimsOf } from '../auth/authenticate.ts'
import { bucketName, countHit } from '../auth/rate-limits.ts'
import type { Queryable } from '../db.ts'
import { authError } from '../errors.ts'
import { type AuthSettings, loginAttemptsPerAddressFactor, registrationRateLimitDefaults } from '../options.ts'

/** A preHandler that answers 429 once its bucket is spent. */
export type AttemptLimit = (request: FastifyRequest) => Promise<void>

export interface AttemptLimits {
  /** Login: per client address across all emails (password spraying), then per address and account. */
  login: AttemptLimit[]
  /** Registration: per client address, so one address cannot mint accounts (or probe taken emails) in bulk. */
  register: AttemptLimit
  /**
   * Checks of the current password by a logged-in user, per user and one budget for every route that checks it:
   * a stolen access token cannot guess the password.
   */
  currentPassword: AttemptLimit
}

/** The email as the account lookup compares it, so spaces or case never open a fresh bucket. */
export const normalizedEmail = (email: string): string => email.trim().toLowerCase()

export const loginAttemptsPerAddress = (limit: AuthSettings['loginRateLimit']): number =>
  limit.perAddressMax ?? limit.max * loginAttemptsPerAddressFactor

/**
 * Several limits can apply to one route, so each is a separate counter checked by its own preHandler. Counters
 * live in `auth_rate_limits` (auth/rate-limits.ts): every instance on the database shares them. `request.ip`
 * is the client's address as TRUST_PROXY allows it to be read.
 */
export function createAttemptLimits(
  db: Queryable,
  settings: Pick<AuthSettings, 'loginRateLimit' | 'registrationRateLimit' | 'jwtSecret'>,
): AttemptLimits {
  const counter = (
    scope: string,
    limit: { max: number; windowMs: number },
    key: (request: FastifyRequest) => string | undefined,
  ): AttemptLimit => {
    return async (request) => {
      const value = key(request)
      // Nothing to count on (e.g. a route whose body has no password to check): the limit does not apply.
      if (value === undefined) return
      const hit = await countHit(db, bucketName(settings.jwtSecret, scope, value), limit.windowMs)
      if (hit.hits <= limit.max) return
      const seconds = Math.max(1, Math.ceil(hit.ttlMs / 1000))
      throw authError('AUTH_RATE_LIMITED', `Too many attempts; retry in ${seconds} s`, {
        headers: { 'retry-after': String(seconds) },
      })
    }
  }
  const login = settings.loginRateLimit
  const email = (request: FastifyRequest) => normalizedEmail((request.body as { email: string }).email)
  return {
    login: [
      counter('login-address', { ...login, max: loginAttemptsPerAddress(login) }, (r) => r.ip),
      counter('login-account', login, (r) => `${r.ip}|${email(r)}`),
    ],
    register: counter('register-address', settings.registrationRateLimit ?? registrationRateLimitDefaults, (r) => r.ip),
    currentPassword: counter('current-password', login, (r) => {
      const body = r.body as { password?: unknown; current_password?: unknown } | undefined
      // PATCH /users/me checks a password only when one is sent (an email change); a name change spends nothing.
      if (r.method === 'PATCH' && body?.current_password === undefined) return undefined
      return claimsOf(r).userId
    }),
  }
}
