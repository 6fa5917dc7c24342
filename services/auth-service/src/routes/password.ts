import type { ServiceApp } from '@grimos/service-kit'
import { Type } from 'typebox'
import { claimsOf } from '../auth/authenticate.ts'
import { hashPassword, verifyPassword } from '../auth/passwords.ts'
import { revokeUserSessions } from '../auth/sessions.ts'
import { authError } from '../errors.ts'
import { requestContext } from '../events.ts'
import { findUserById, updatePasswordHash } from '../users/repository.ts'
import { AnyPassword, bearer, errorResponses, NewPassword, type RouteDeps, strict } from './shared.ts'

export function registerPasswordRoutes(app: ServiceApp, deps: RouteDeps): void {
  const { db, recordUserEvent } = deps

  app.post(
    '/users/me/password',
    {
      // Authenticated first: the attempt limit counts per user.
      preHandler: [deps.authenticate, deps.limits.currentPassword],
      schema: {
        tags: ['users'],
        summary: 'Change the password; every other session is logged out',
        security: bearer,
        body: Type.Object({ current_password: AnyPassword, new_password: NewPassword }, strict),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      const { userId, sessionId } = claimsOf(request)
      const { current_password, new_password } = request.body
      const context = requestContext(request)
      const user = await findUserById(db, userId)
      if (!user) throw authError('AUTH_TOKEN_REVOKED')
      if (!(await verifyPassword(user.password_hash, current_password))) throw authError('AUTH_PASSWORD_INCORRECT')
      if (current_password === new_password) throw authError('AUTH_PASSWORD_UNCHANGED')
      const newHash = await hashPassword(new_password)
      await db.transaction(async (tx) => {
        const current = await findUserById(tx, userId, true)
        // Another request changed it since we checked: that check no longer holds.
        if (!current || current.password_hash !== user.password_hash) throw authError('AUTH_PASSWORD_INCORRECT')
        const updated = await updatePasswordHash(tx, userId, newHash)
        await revokeUserSessions(tx, userId, 'password_changed', sessionId)
        await recordUserEvent(tx, 'user_password_changed', updated, { changed_by: 'user' }, context)
      })
      return reply.code(204).send(null)
    },
  )
}
