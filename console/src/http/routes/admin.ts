import type { ServiceApp } from '@grimos/service-kit'
import { listAudit } from '../../auth/audit.ts'
import { addOperator, listOperators, removeOperator } from '../../auth/operators.ts'
import { principalOf } from '../access.ts'
import { AddOperatorBody, AuditQuery, OperatorParams } from '../schemas/index.ts'
import { audit, operatorOnly, type RouteContext, sendJson } from './context.ts'

export function registerAdminRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { db } = ctx
  app.get('/api/operators', operatorOnly, async (_request, reply) =>
    sendJson(reply, { operators: await listOperators(db) }),
  )
  app.post('/api/operators', { ...operatorOnly, schema: { body: AddOperatorBody } }, async (request, reply) => {
    const account = await addOperator(db, request.body, principalOf(request).username)
    await audit(ctx, request, 'operator.add', account.username, { role: account.role })
    return sendJson(reply, account, 201)
  })
  app.delete(
    '/api/operators/:username',
    { ...operatorOnly, schema: { params: OperatorParams } },
    async (request, reply) => {
      await removeOperator(db, request.params.username)
      await audit(ctx, request, 'operator.remove', request.params.username)
      return reply.code(204).send()
    },
  )
  app.get('/api/audit', { schema: { querystring: AuditQuery } }, async (request, reply) =>
    sendJson(reply, await listAudit(db, request.query)),
  )
}
