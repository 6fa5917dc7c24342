import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { uniqueName } from '../../../../test/support/index.ts'
import { recordAuditEvent } from '../../src/read-model/audit-log.ts'
import { applyRegistered, applySnapshot } from '../../src/read-model/users.ts'
import { auth, buildTestService, lifeOf } from '../support.ts'

let service: Awaited<ReturnType<typeof buildTestService>>

before(async () => {
  service = await buildTestService(uniqueName('ec-read'))
})
after(() => service.cleanup())

test('without the operator token the read API answers 401 in the one error shape', async () => {
  for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: 'Basic abc' }]) {
    const response = await service.app.inject({ method: 'GET', url: '/users/anyone', headers })
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['www-authenticate'], 'Bearer')
    const body = response.json()
    assert.equal(body.error.code, 'OPERATOR_UNAUTHORIZED')
    assert.equal(body.error.statusCode, 401)
    assert.equal(typeof body.error.requestId, 'string')
    assert.equal(typeof body.error.message, 'string')
  }
})

test('GET /users/:id shows the directory row and the events applied to it', async () => {
  const id = randomUUID()
  const life = lifeOf(id)
  await service.db.transaction((tx) => applyRegistered(tx, life.registered))
  await service.db.transaction((tx) => applySnapshot(tx, life.updated))
  const response = await service.app.inject({ method: 'GET', url: `/users/${id}`, headers: auth })
  assert.equal(response.statusCode, 200)
  const { user, changes } = response.json()
  assert.equal(user.id, id)
  assert.equal(user.full_name, 'Ada King')
  assert.equal(user.version, 2)
  assert.equal(user.updated_at, life.updated.timestamp)
  assert.deepEqual(
    changes.map((c: { event_id: string }) => c.event_id),
    [life.registered.event_id, life.updated.event_id],
  )
})

test('GET /users/:id of an unknown user is 404 CONSUMER_USER_NOT_FOUND', async () => {
  const response = await service.app.inject({ method: 'GET', url: '/users/nobody', headers: auth })
  assert.equal(response.statusCode, 404)
  assert.equal(response.json().error.code, 'CONSUMER_USER_NOT_FOUND')
})

test('GET /audit filters the security log by user and outcome, and validates its query', async () => {
  const life = lifeOf(randomUUID())
  for (const event of [life.failedLogin, life.login, life.logout]) {
    await service.db.transaction((tx) => recordAuditEvent(tx, event))
  }
  const all = await service.app.inject({ method: 'GET', url: `/audit?user_id=${life.login.user_id}`, headers: auth })
  assert.equal(all.statusCode, 200)
  assert.deepEqual(
    all.json().entries.map((e: { event_type: string; outcome: string }) => `${e.event_type}:${e.outcome}`),
    ['user_login:failure', 'user_login:success', 'user_logout:success'],
  )
  const failures = await service.app.inject({
    method: 'GET',
    url: `/audit?user_id=${life.login.user_id}&outcome=failure`,
    headers: auth,
  })
  assert.equal(failures.json().entries.length, 1)
  const bad = await service.app.inject({ method: 'GET', url: '/audit?outcome=maybe', headers: auth })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().error.code, 'VALIDATION_FAILED')
})

test('health: live while the consumer has not started, not ready until it has joined', async () => {
  const live = await service.app.inject({ method: 'GET', url: '/health/live' })
  assert.equal(live.statusCode, 200)
  const ready = await service.app.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(ready.statusCode, 503)
  assert.deepEqual(ready.json(), { status: 'fail', checks: { consumer: false, database: true } })
})
