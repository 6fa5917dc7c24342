import type { ServiceApp } from '@grimos/service-kit'
import { checkCandidate, diffVersions, listSubjects, schemaVersion } from '../../ops/index.ts'
import { CheckBody, DiffQuery, SubjectParams, VersionParams } from '../schemas/index.ts'
import { type RouteContext, sendJson } from './context.ts'

export function registerRegistryRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { ops } = ctx.console
  app.get('/api/schemas', async (_request, reply) => sendJson(reply, await listSubjects(ops)))
  app.get('/api/schemas/:subject/versions/:version', { schema: { params: VersionParams } }, async (request, reply) =>
    sendJson(reply, await schemaVersion(ops, request.params.subject, request.params.version)),
  )
  app.get(
    '/api/schemas/:subject/diff',
    { schema: { params: SubjectParams, querystring: DiffQuery } },
    async (request, reply) =>
      sendJson(reply, await diffVersions(ops, request.params.subject, request.query.from, request.query.to)),
  )
  // A read: the registry is asked, nothing is registered; so viewers may check too.
  app.post(
    '/api/schemas/:subject/check',
    { bodyLimit: 512 * 1024, schema: { params: SubjectParams, body: CheckBody } },
    async (request, reply) => sendJson(reply, await checkCandidate(ops, request.params.subject, request.body.schema)),
  )
}
