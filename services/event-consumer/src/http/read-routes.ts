import { ErrorResponseSchema, type ServiceApp } from '@grimos/service-kit'
import { Type } from 'typebox'
import { consumerError } from '../errors.ts'
import type { Queryable } from '../events.ts'
import { listAuditEntries } from '../read-model/audit-log.ts'
import { findUser, userChanges } from '../read-model/users.ts'
import { sendJson } from './json.ts'

// A small read API over the read model, for operators and tests. Registered inside the operator-token scope:
// the directory holds email addresses and the audit log IP addresses.

const AuditQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1 })),
    event_type: Type.Optional(
      Type.Union([Type.Literal('user_login'), Type.Literal('user_logout'), Type.Literal('user_password_changed')]),
    ),
    outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
)

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema }

export function registerReadRoutes(app: ServiceApp, db: Queryable): void {
  app.get(
    '/users/:id',
    { schema: { tags: ['read-model'], params: Type.Object({ id: Type.String({ minLength: 1 }) }), response: errors } },
    async (request, reply) => {
      const user = await findUser(db, request.params.id)
      if (!user) {
        throw consumerError('CONSUMER_USER_NOT_FOUND', `no user ${request.params.id} in the directory`)
      }
      return sendJson(reply, { user, changes: await userChanges(db, user.id) })
    },
  )

  app.get(
    '/audit',
    { schema: { tags: ['read-model'], querystring: AuditQuery, response: errors } },
    async (request, reply) => {
      const { user_id: userId, event_type: eventType, outcome, limit } = request.query
      return sendJson(reply, { entries: await listAuditEntries(db, { userId, eventType, outcome, limit }) })
    },
  )
}
