// End to end over HTTP: one user's whole life through auth-service, published by its outbox relay to the real
// broker, consumed by event-consumer; its read API and /metrics must show exactly that history, each event once.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { eventually } from '../support/index.ts'
import { processedCounts, startServices } from './support.ts'

const services = await startServices('e2e-life')

const directoryTypes = new Set(['user_registered', 'user_updated', 'user_email_verified', 'user_deleted'])
const auditTypes = new Set(['user_login', 'user_logout', 'user_password_changed'])

test('register, log in, edit, change password, verify email, log out, delete: read model, audit and metrics agree', async () => {
  const { callAuth, readConsumer } = services
  const email = `ada.${randomBytes(4).toString('hex')}@example.com`
  const oldPassword = 'correct horse battery staple'
  const newPassword = 'another correct horse staple'
  const step = (name: string) => `e2e-${name}-${randomBytes(3).toString('hex')}`
  const requestIds = {
    login: step('login'),
    password: step('password'),
    logout: step('logout'),
    relogin: step('relogin'),
  }

  const registered = await callAuth('POST', '/auth/register', {
    body: { email, password: oldPassword, full_name: 'Ada Lovelace' },
  })
  assert.equal(registered.status, 201, JSON.stringify(registered.body))
  const userId: string = registered.body.id

  const login = await callAuth('POST', '/auth/login', {
    body: { email, password: oldPassword },
    requestId: requestIds.login,
  })
  assert.equal(login.status, 200, JSON.stringify(login.body))
  const token: string = login.body.access_token

  const patched = await callAuth('PATCH', '/users/me', { token, body: { full_name: 'Ada King' } })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))

  const changed = await callAuth('POST', '/users/me/password', {
    token,
    body: { current_password: oldPassword, new_password: newPassword },
    requestId: requestIds.password,
  })
  assert.equal(changed.status, 204, JSON.stringify(changed.body))

  const requested = await callAuth('POST', '/users/me/email-verification', { token })
  assert.equal(requested.status, 202, JSON.stringify(requested.body))
  const confirmed = await callAuth('POST', '/users/email-verification/confirm', {
    body: { token: requested.body.token },
  })
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  assert.equal(confirmed.body.email_verified, true)

  const loggedOut = await callAuth('POST', '/auth/logout', { token, requestId: requestIds.logout })
  assert.equal(loggedOut.status, 204)

  // Deleting takes a session, and the last one just ended: log in again, with the new password.
  const relogin = await callAuth('POST', '/auth/login', {
    body: { email, password: newPassword },
    requestId: requestIds.relogin,
  })
  assert.equal(relogin.status, 200, JSON.stringify(relogin.body))
  // Deleting the account also removes its sent outbox rows (docs/privacy.md): read them first.
  const beforeDelete = await services.outbox(userId)
  const deleted = await callAuth('DELETE', '/users/me', {
    token: relogin.body.access_token,
    body: { password: newPassword, reason: 'leaving' },
  })
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body))
  const lastCall = Date.now()

  const outbox = [
    ...beforeDelete,
    ...(await services.outbox(userId)).filter((row) => !beforeDelete.some((kept) => kept.event_id === row.event_id)),
  ]
  assert.deepEqual(
    outbox.map((row) => row.event_type),
    [
      'user_registered',
      'user_login',
      'user_updated',
      'user_password_changed',
      'user_email_verified',
      'user_logout',
      'user_login',
      'user_deleted',
    ],
  )
  const eventIds = (types: Set<string>) => outbox.filter((row) => types.has(row.event_type)).map((row) => row.event_id)

  // Within 5 s of the last call: the directory row is deleted and the audit log has all four entries.
  const user = await eventually(
    () => readConsumer(`/users/${userId}`),
    (response) => response.body.user?.deleted === true,
    Math.max(0, lastCall + 5_000 - Date.now()),
  )
  const audit = await eventually(
    () => readConsumer(`/audit?user_id=${userId}`),
    (response) => response.body.entries?.length === 4,
    Math.max(0, lastCall + 5_000 - Date.now()),
  )
  const elapsed = Date.now() - lastCall
  assert.equal(user.status, 200, JSON.stringify(user.body))
  assert.ok(elapsed <= 5_500, `the read model caught up ${elapsed} ms after the last call`)

  const { created_at, updated_at, deleted_at, ...row } = user.body.user
  assert.deepEqual(row, {
    id: userId,
    // user_deleted erases the personal fields (docs/privacy.md); the row stays as a tombstone.
    email: null,
    full_name: null,
    is_active: false,
    is_superuser: false,
    roles: null,
    // Whether an address was verified says nothing once there is no address.
    email_verified: false,
    deleted: true,
    last_event_id: outbox.at(-1)?.event_id,
    version: 4,
  })
  assert.ok(created_at && updated_at && deleted_at, 'the row has its timestamps')
  assert.deepEqual(
    user.body.changes.map((change: { event_id: string; outcome: string }) => [change.event_id, change.outcome]),
    eventIds(directoryTypes).map((id) => [id, 'applied']),
  )

  assert.deepEqual(
    audit.body.entries.map((entry: Record<string, unknown>) => [
      entry.event_id,
      entry.event_type,
      entry.outcome,
      entry.request_id,
      entry.source_ip,
      entry.user_agent,
    ]),
    eventIds(auditTypes).map((id, i) => [
      id,
      ['user_login', 'user_password_changed', 'user_logout', 'user_login'][i],
      'success',
      [requestIds.login, requestIds.password, requestIds.logout, requestIds.relogin][i],
      // The deletion erased the client context of the user's audit rows; what happened, and when, stays.
      null,
      null,
    ]),
  )

  // Once each: one success per outbox row, and nothing else (no duplicate, retry, failure or dead letter).
  const expected: Record<string, number> = {}
  for (const { event_type } of outbox) expected[`${event_type} success`] = (expected[`${event_type} success`] ?? 0) + 1
  const counts = await eventually(
    async () => processedCounts(await services.consumerMetrics()),
    (actual) => Object.values(actual).reduce((sum, n) => sum + n, 0) >= outbox.length,
    2_000,
  )
  assert.deepEqual(counts, expected)
  assert.equal(
    Object.values(counts).reduce((sum, n) => sum + n, 0),
    outbox.length,
  )
  assert.ok((await services.outbox(userId)).every((entry) => entry.status === 'sent'))
})
