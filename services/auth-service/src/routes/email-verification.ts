import type { ServiceApp } from '@grimos/service-kit'
import { Type } from 'typebox'
import { claimsOf } from '../auth/authenticate.ts'
import { authError } from '../errors.ts'
import { requestContext } from '../events.ts'
import {
  findVerificationForUpdate,
  hashVerificationToken,
  insertVerification,
  markVerificationUsed,
  newVerificationToken,
} from '../users/email-verifications.ts'
import { findUserById, markEmailVerified } from '../users/repository.ts'
import { toUserView, UserViewSchema } from '../users/view.ts'
import { bearer, errorResponses, type RouteDeps, strict } from './shared.ts'

export function registerEmailVerificationRoutes(app: ServiceApp, deps: RouteDeps): void {
  const { db, settings, recordUserEvent } = deps

  app.post(
    '/users/me/email-verification',
    {
      preHandler: deps.authenticate,
      schema: {
        tags: ['users'],
        summary: 'Start verifying the current email address',
        description:
          'There is no mailer yet: outside production (NODE_ENV !== "production") the token is returned in the ' +
          'response so the flow can be completed by hand; in production it is never returned.',
        security: bearer,
        response: {
          202: Type.Object({
            expires_at: Type.String({ format: 'date-time' }),
            token: Type.Optional(Type.String({ description: 'Only outside production' })),
          }),
          ...errorResponses(401, 409),
        },
      },
    },
    async (request, reply) => {
      const { userId } = claimsOf(request)
      const { token, hash } = newVerificationToken()
      const expiresAt = new Date(Date.now() + settings.emailVerificationTtlSeconds * 1000)
      await db.transaction(async (tx) => {
        const user = await findUserById(tx, userId, true)
        if (!user) throw authError('AUTH_TOKEN_REVOKED')
        if (user.email_verified_at !== null) throw authError('AUTH_EMAIL_ALREADY_VERIFIED')
        await insertVerification(tx, { hash, userId, email: user.email, expiresAt })
      })
      const body = { expires_at: expiresAt.toISOString() }
      return reply.code(202).send(settings.exposeVerificationToken ? { ...body, token } : body)
    },
  )

  app.post(
    '/users/email-verification/confirm',
    {
      schema: {
        tags: ['users'],
        summary: 'Confirm an email address with the token sent to it',
        body: Type.Object({ token: Type.String({ minLength: 16, maxLength: 256 }) }, strict),
        response: { 200: UserViewSchema, ...errorResponses(400) },
      },
    },
    async (request) => {
      const hash = hashVerificationToken(request.body.token)
      const context = requestContext(request)
      const user = await db.transaction(async (tx) => {
        const entry = await findVerificationForUpdate(tx, hash)
        if (!entry || entry.used_at !== null || new Date(entry.expires_at).getTime() <= Date.now()) {
          throw authError('AUTH_VERIFICATION_TOKEN_INVALID')
        }
        const current = await findUserById(tx, entry.user_id, true)
        // The address changed since the link was sent: the link proves nothing about the new one.
        if (!current || current.email.toLowerCase() !== entry.email.toLowerCase()) {
          throw authError('AUTH_VERIFICATION_TOKEN_INVALID')
        }
        await markVerificationUsed(tx, hash)
        if (current.email_verified_at !== null) return current
        const verified = await markEmailVerified(tx, current.id)
        await recordUserEvent(tx, 'user_email_verified', verified, { verified_email: verified.email }, context)
        return verified
      })
      return toUserView(user)
    },
  )
}
