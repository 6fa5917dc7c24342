import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GrimError } from '@grimos/events'
import { Type } from 'typebox'
import { createServiceApp } from '../src/app.ts'
import { ServiceError } from '../src/errors.ts'

function appWithRoutes() {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  app.post(
    '/users',
    {
      schema: {
        body: Type.Object(
          { email: Type.String(), full_name: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    async () => ({ ok: true }),
  )
  app.get('/taken', async () => {
    throw new ServiceError('AUTH_EMAIL_TAKEN', 409, 'That email is already registered')
  })
  app.get('/grim-client', async () => {
    throw new GrimError('GRIM_EVENT_TYPE_UNKNOWN', 'event type user_exploded is not in the catalog')
  })
  app.get('/grim-server', async () => {
    throw new GrimError('GRIM_OUTBOX_FAILED', 'insert into outbox_events failed: relation does not exist')
  })
  app.get('/boom', async () => {
    throw new Error('database password is hunter2')
  })
  return app
}

function assertShape(body: { error: Record<string, unknown> }, code: string, statusCode: number, requestId?: string) {
  assert.equal(body.error.code, code)
  assert.equal(body.error.statusCode, statusCode)
  assert.equal(typeof body.error.message, 'string')
  assert.equal(typeof body.error.requestId, 'string')
  if (requestId) assert.equal(body.error.requestId, requestId)
}

test('every kind of error answers in the one error shape', async (t) => {
  const app = appWithRoutes()
  t.after(() => app.close())
  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/users', payload, headers: { 'content-type': 'application/json' } })

  const malformed = await post('{"email": ')
  assert.equal(malformed.statusCode, 400)
  assertShape(malformed.json(), 'BAD_JSON', 400)

  const empty = await post('')
  assertShape(empty.json(), 'BAD_JSON', 400)

  const missing = await post('{}')
  assert.equal(missing.statusCode, 400)
  assertShape(missing.json(), 'VALIDATION_FAILED', 400)
  assert.deepEqual(
    missing.json().error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`),
    ['email:required', 'full_name:required'],
  )

  const notFound = await app.inject({ url: '/nowhere?x=1', headers: { 'x-request-id': 'req-1' } })
  assert.equal(notFound.statusCode, 404)
  assertShape(notFound.json(), 'NOT_FOUND', 404, 'req-1')

  const media = await app.inject({
    method: 'POST',
    url: '/users',
    payload: 'x',
    headers: { 'content-type': 'text/csv' },
  })
  assertShape(media.json(), 'UNSUPPORTED_MEDIA_TYPE', 415)

  const taken = await app.inject({ url: '/taken' })
  assert.equal(taken.statusCode, 409)
  assert.deepEqual(taken.json(), {
    error: {
      code: 'AUTH_EMAIL_TAKEN',
      message: 'That email is already registered',
      statusCode: 409,
      requestId: taken.headers['x-request-id'],
    },
  })
})

test('GrimErrors use their status; server-side details and unknown errors stay in the log', async (t) => {
  const app = appWithRoutes()
  t.after(() => app.close())

  const client = await app.inject({ url: '/grim-client' })
  assertShape(client.json(), 'GRIM_EVENT_TYPE_UNKNOWN', 400)
  assert.match(client.json().error.message, /user_exploded/)

  const server = await app.inject({ url: '/grim-server' })
  assertShape(server.json(), 'GRIM_OUTBOX_FAILED', 500)
  assert.doesNotMatch(server.body, /relation/)

  const boom = await app.inject({ url: '/boom' })
  assertShape(boom.json(), 'INTERNAL_ERROR', 500)
  assert.doesNotMatch(boom.body, /hunter2/)
})
