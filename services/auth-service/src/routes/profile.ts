import type { ServiceApp } from '@grimos/service-kit'
import { Type } from 'typebox'
import { claimsOf } from '../auth/authenticate.ts'
import { verifyPassword } from '../auth/passwords.ts'
import { revokeUserSessions } from '../auth/sessions.ts'
import { isUniqueViolation } from '../db.ts'
import { authError } from '../errors.ts'
import { eraseDeliveredEvents, requestContext } from '../events.ts'
import { deleteVerifications } from '../users/email-verifications.ts'
import { anonymizeUser, findUserById, isReservedEmail, type ProfileChange, updateProfile } from '../users/repository.ts'
import { toUserView, UserViewSchema } from '../users/view.ts'
import { AnyPassword, bearer, Email, errorResponses, FullName, type RouteDeps, strict } from './shared.ts'

export function registerProfileRoutes(app: ServiceApp, deps: RouteDeps): void {
  const { db, recordUserEvent } = deps

  app.get(
    '/users/me',
    {
      preHandler: deps.authenticate,
      schema: {
        tags: ['users'],
        summary: 'The logged-in user',
        security: bearer,
        response: { 200: UserViewSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = await findUserById(db, claimsOf(request).userId)
      if (!user) throw authError('AUTH_TOKEN_REVOKED')
      return toUserView(user)
    },
  )

  app.patch(
    '/users/me',
    {
      // Authenticated first: the password attempt limit counts per user (only when a password is sent).
      preHandler: [deps.authenticate, deps.limits.currentPassword],
      schema: {
        tags: ['users'],
        summary: 'Change the name or email; a new email needs the current password and must be verified again',
        description:
          'An email change requires `current_password` and logs out every other session: whoever holds a stolen ' +
          'access token cannot take the account over by moving its address. Addresses under `.invalid` are refused.',
        security: bearer,
        body: Type.Object(
          {
            full_name: Type.Optional(Type.Union([FullName, Type.Null()])),
            email: Type.Optional(Email),
            current_password: Type.Optional(AnyPassword),
          },
          { ...strict, minProperties: 1 },
        ),
        response: { 200: UserViewSchema, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request) => {
      const { userId, sessionId } = claimsOf(request)
      const context = requestContext(request)
      const body = request.body
      const newEmail = body.email?.trim()
      const user = await findUserById(db, userId)
      if (!user) throw authError('AUTH_TOKEN_REVOKED')
      const movesEmail = newEmail !== undefined && newEmail !== user.email
      if (movesEmail && isReservedEmail(newEmail)) throw authError('AUTH_EMAIL_RESERVED')
      if (movesEmail && body.current_password === undefined) throw authError('AUTH_PASSWORD_REQUIRED')
      // Checked outside the transaction (argon2 is slow); the locked re-read below makes sure it still holds.
      if (body.current_password !== undefined && !(await verifyPassword(user.password_hash, body.current_password))) {
        throw authError('AUTH_PASSWORD_INCORRECT')
      }
      try {
        return await db.transaction(async (tx) => {
          const before = await findUserById(tx, userId, true)
          if (!before) throw authError('AUTH_TOKEN_REVOKED')
          if (before.password_hash !== user.password_hash) throw authError('AUTH_PASSWORD_INCORRECT')
          const change: ProfileChange = {}
          if (newEmail !== undefined && newEmail !== before.email) change.email = newEmail
          if (body.full_name !== undefined && body.full_name !== before.full_name) change.fullName = body.full_name
          // The address checked above may have changed meanwhile: only the password check covers a move.
          if (change.email !== undefined && body.current_password === undefined) {
            throw authError('AUTH_PASSWORD_REQUIRED')
          }
          const changed = [...(change.email ? ['email'] : []), ...('fullName' in change ? ['full_name'] : [])]
          // Same values again: nothing changed, so nothing to publish.
          if (changed.length === 0) return toUserView(before)
          const after = await updateProfile(tx, userId, change)
          if (change.email !== undefined) await revokeUserSessions(tx, userId, 'email_changed', sessionId)
          await recordUserEvent(tx, 'user_updated', after, { changed_fields: changed }, context)
          return toUserView(after)
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw authError('AUTH_EMAIL_TAKEN', undefined, { cause: error })
        throw error
      }
    },
  )

  app.delete(
    '/users/me',
    {
      // Authenticated first: the attempt limit counts per user.
      preHandler: [deps.authenticate, deps.limits.currentPassword],
      schema: {
        tags: ['users'],
        summary: 'Delete the account (confirmed with the password)',
        description:
          'Soft delete: the row stays for the audit trail, but the email, name, roles and password hash are ' +
          'erased, every session is revoked and the outbox copies of earlier events are deleted. The address can ' +
          'register again. The user_deleted event carries the email as it was, so consumers can find and erase ' +
          'their copies (docs/privacy.md).',
        security: bearer,
        body: Type.Object({ password: AnyPassword, reason: Type.Optional(Type.String({ maxLength: 500 })) }, strict),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { userId } = claimsOf(request)
      const context = requestContext(request)
      const user = await findUserById(db, userId)
      if (!user) throw authError('AUTH_TOKEN_REVOKED')
      if (!(await verifyPassword(user.password_hash, request.body.password))) throw authError('AUTH_PASSWORD_INCORRECT')
      await db.transaction(async (tx) => {
        const current = await findUserById(tx, userId, true)
        if (!current) throw authError('AUTH_TOKEN_REVOKED')
        await anonymizeUser(tx, userId)
        await revokeUserSessions(tx, userId, 'account_deleted')
        await deleteVerifications(tx, userId)
        await eraseDeliveredEvents(tx, userId)
        await recordUserEvent(
          tx,
          'user_deleted',
          { ...current, is_active: false },
          { deleted_by: 'self', reason: request.body.reason ?? null },
          context,
        )
      })
      return reply.code(204).send(null)
    },
  )
}
