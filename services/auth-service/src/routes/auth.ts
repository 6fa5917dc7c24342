import { randomUUID } from 'node:crypto'
import type { ServiceApp } from '@grimos/service-kit'
import { Type } from 'typebox'
import { claimsOf } from '../auth/authenticate.ts'
import { hashPassword, verifyAgainstNobody, verifyPassword } from '../auth/passwords.ts'
import { findSession, insertSession, revokeSession, rotateRefreshToken } from '../auth/sessions.ts'
import type { TokenPair } from '../auth/tokens.ts'
import type { Queryable } from '../db.ts'
import { authError } from '../errors.ts'
import { type RecordUserEvent, type RequestContext, requestContext } from '../events.ts'
import { findActiveUserByEmail, findUserById, insertUser, isReservedEmail, type UserRow } from '../users/repository.ts'
import { toUserView, UserViewSchema } from '../users/view.ts'
import { loginAttemptsPerAddress, normalizedEmail } from './attempt-limits.ts'
import { AnyPassword, Email, errorResponses, FullName, NewPassword, type RouteDeps, strict } from './shared.ts'

const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  refresh_expires_in: Type.Integer({ description: 'Seconds until the refresh token expires' }),
})

export function registerAuthRoutes(app: ServiceApp, deps: RouteDeps): void {
  const { db, signer, settings, recordUserEvent, limits } = deps
  const loginLimit = settings.loginRateLimit

  /** Tokens for a session: the refresh token's jti is the one the session row accepts next. */
  async function issueTokens(userId: string, sessionId: string): Promise<TokenPair & { refreshJti: string }> {
    const access = await signer.sign({ userId, sessionId, use: 'access' })
    const refresh = await signer.sign({ userId, sessionId, use: 'refresh' })
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: signer.accessTtlSeconds,
      refresh_expires_in: signer.refreshTtlSeconds,
      refreshJti: refresh.jti,
    }
  }
  const refreshExpiry = () => new Date(Date.now() + signer.refreshTtlSeconds * 1000)
  const withoutJti = ({ refreshJti: _, ...pair }: TokenPair & { refreshJti: string }): TokenPair => pair

  app.post(
    '/auth/register',
    {
      preHandler: limits.register,
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        description: 'Rate-limited per client address. Addresses under `.invalid` are refused (400).',
        body: Type.Object({ email: Email, password: NewPassword, full_name: FullName }, strict),
        response: { 201: UserViewSchema, ...errorResponses(400, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const { email, password, full_name } = request.body
      if (isReservedEmail(email)) throw authError('AUTH_EMAIL_RESERVED')
      const passwordHash = await hashPassword(password)
      const context = requestContext(request)
      const user = await db.transaction(async (tx) => {
        const created = await insertUser(tx, {
          id: randomUUID(),
          email: email.trim(),
          passwordHash,
          fullName: full_name,
        })
        // Thrown inside the transaction: nothing of this attempt is written, no outbox row either.
        if (!created) throw authError('AUTH_EMAIL_TAKEN')
        await recordUserEvent(tx, 'user_registered', created, { registration_method: 'self_signup' }, context)
        return created
      })
      return reply.code(201).send(toUserView(user))
    },
  )

  app.post(
    '/auth/login',
    {
      // Per address and account, so one attacker cannot lock a user out from everywhere; and per address, so one
      // address cannot spray a password across many accounts.
      preHandler: limits.login,
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        description: `Rate-limited to ${loginLimit.max} attempts per ${loginLimit.windowMs / 1000} s per client address and email, and ${loginAttemptsPerAddress(loginLimit)} per client address across emails.`,
        body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: AnyPassword }, strict),
        response: { 200: TokenPairSchema, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const { email, password } = request.body
      const context = requestContext(request)
      const user = await findActiveUserByEmail(db, normalizedEmail(email))
      if (!user) {
        // No account, no event (there is no user to key it on); same answer and timing as a wrong password.
        await verifyAgainstNobody(password)
        throw authError('AUTH_INVALID_CREDENTIALS')
      }
      if (!(await verifyPassword(user.password_hash, password)) || !user.is_active) {
        const reason = user.is_active ? 'invalid_password' : 'account_inactive'
        await db.transaction((tx) => recordLogin(recordUserEvent, tx, user, 'password', reason, context))
        throw authError('AUTH_INVALID_CREDENTIALS')
      }
      const sessionId = randomUUID()
      const tokens = await issueTokens(user.id, sessionId)
      await db.transaction(async (tx) => {
        await insertSession(tx, {
          id: sessionId,
          userId: user.id,
          refreshJti: tokens.refreshJti,
          expiresAt: refreshExpiry(),
        })
        await recordLogin(recordUserEvent, tx, user, 'password', null, context)
      })
      return withoutJti(tokens)
    },
  )

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens (the old refresh token stops working)',
        body: Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) }, strict),
        response: { 200: TokenPairSchema, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const claims = await signer.verify(request.body.refresh_token, 'refresh')
      const context = requestContext(request)
      const tokens = await issueTokens(claims.userId, claims.sessionId)
      const outcome = await db.transaction(async (tx) => {
        const session = await findSession(tx, claims.sessionId, true)
        const user = await findUserById(tx, claims.userId)
        if (!session || !user || session.user_id !== claims.userId || session.revoked_at !== null) return 'revoked'
        // A deactivated account keeps its sessions in the table, but they must not mint new tokens.
        if (!user.is_active) {
          await recordLogin(recordUserEvent, tx, user, 'refresh_token', 'account_inactive', context)
          return 'inactive'
        }
        if (session.refresh_jti !== claims.jti) {
          // A rotated-out token came back: it was copied. End the session for both holders.
          await revokeSession(tx, session.id, 'refresh_token_reused')
          await recordLogin(recordUserEvent, tx, user, 'refresh_token', 'refresh_token_reused', context)
          return 'reused'
        }
        await rotateRefreshToken(tx, session.id, tokens.refreshJti, refreshExpiry())
        await recordLogin(recordUserEvent, tx, user, 'refresh_token', null, context)
        return 'rotated'
      })
      if (outcome !== 'rotated') throw authError('AUTH_TOKEN_REVOKED')
      return withoutJti(tokens)
    },
  )

  app.post(
    '/auth/logout',
    {
      preHandler: deps.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'End this session: its access and refresh tokens stop working',
        security: [{ bearerAuth: [] }],
        response: { 204: Type.Null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request)
      const context = requestContext(request)
      await db.transaction(async (tx) => {
        const user = await findUserById(tx, claims.userId, true)
        const revoked = await revokeSession(tx, claims.sessionId, 'logout')
        // A concurrent logout of the same session already recorded it.
        if (!user || !revoked) throw authError('AUTH_TOKEN_REVOKED')
        await recordUserEvent(tx, 'user_logout', user, { all_sessions: false, session_id: claims.sessionId }, context)
      })
      return reply.code(204).send(null)
    },
  )
}

async function recordLogin(
  recordUserEvent: RecordUserEvent,
  tx: Queryable,
  user: UserRow,
  method: 'password' | 'refresh_token',
  failure: string | null,
  context: RequestContext,
): Promise<void> {
  await recordUserEvent(
    tx,
    'user_login',
    user,
    { login_method: method, outcome: failure === null ? 'success' : 'failure', failure_reason: failure },
    context,
  )
}
