import type { FastifyInstance, FastifyRequest } from 'fastify'
import { claimsOf } from '../auth/authenticate.ts'
import { authError } from '../errors.ts'
import { type AuthSettings, loginAttemptsPerAddressFactor } from '../options.ts'

/** A preHandler that answers 429 once its bucket is spent. */
export type AttemptLimit = (request: FastifyRequest) => Promise<void>

export interface AttemptLimits {
  /** Login: per client address across all emails (password spraying), then per address and account. */
  login: AttemptLimit[]
  /**
   * Checks of the current password by a logged-in user, per user and one budget for every route that checks it:
   * a stolen access token cannot guess the password.
   */
  currentPassword: AttemptLimit
}

/** The email as the account lookup compares it, so spaces or case never open a fresh bucket. */
export const normalizedEmail = (email: string): string => email.trim().toLowerCase()

/**
 * Several limits can apply to one route (the plugin's own per-route hook runs only one per request), so each is
 * a separate counter checked by its own preHandler. The rate-limit plugin must be registered on `app` first.
 */
export const loginAttemptsPerAddress = (limit: AuthSettings['loginRateLimit']): number =>
  limit.perAddressMax ?? limit.max * loginAttemptsPerAddressFactor

export function createAttemptLimits(app: FastifyInstance, limit: AuthSettings['loginRateLimit']): AttemptLimits {
  const counter = (max: number, key: (request: FastifyRequest) => string): AttemptLimit => {
    const count = app.createRateLimit({ max, timeWindow: limit.windowMs, keyGenerator: key })
    return async (request) => {
      const result = await count(request)
      if (result.isAllowed || !result.isExceeded) return
      throw authError('AUTH_RATE_LIMITED', `Too many attempts; retry in ${result.ttlInSeconds} s`, {
        headers: { 'retry-after': String(result.ttlInSeconds) },
      })
    }
  }
  const email = (request: FastifyRequest) => normalizedEmail((request.body as { email: string }).email)
  return {
    login: [counter(loginAttemptsPerAddress(limit), (r) => r.ip), counter(limit.max, (r) => `${r.ip}|${email(r)}`)],
    currentPassword: counter(limit.max, (r) => claimsOf(r).userId),
  }
}
