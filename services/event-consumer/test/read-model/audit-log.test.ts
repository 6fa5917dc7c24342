import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { listAuditEntries, recordAuditEvent } from '../../src/read-model/audit-log.ts'
import { lifeOf, testOnEachEngine } from '../support.ts'

testOnEachEngine('security events are recorded once each, with their request context', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  for (const event of [life.failedLogin, life.login, life.passwordChanged, life.logout]) {
    assert.equal(await db.transaction((tx) => recordAuditEvent(tx, event)), true)
  }
  assert.equal(await db.transaction((tx) => recordAuditEvent(tx, life.login)), false, 'a redelivery is not recorded')

  const entries = await listAuditEntries(db, { userId: id })
  assert.deepEqual(
    entries.map((e) => [e.event_type, e.outcome]),
    [
      ['user_login', 'failure'],
      ['user_login', 'success'],
      ['user_password_changed', 'success'],
      ['user_logout', 'success'],
    ],
  )
  const [failed] = entries
  assert.equal(failed?.event_id, life.failedLogin.event_id)
  assert.equal(failed?.occurred_at.toISOString(), life.failedLogin.timestamp)
  assert.equal(failed?.source_ip, '203.0.113.7')
  assert.equal(failed?.user_agent, 'test-agent/1.0')
  assert.equal(failed?.request_id, 'req-1')
  assert.deepEqual(failed?.details, { login_method: 'password', failure_reason: 'invalid_credentials' })
  assert.deepEqual(entries[3]?.details, { all_sessions: true, session_id: null })
})

testOnEachEngine('the log filters by user, type and outcome', async (db) => {
  const ada = lifeOf(randomUUID())
  const bob = lifeOf(randomUUID())
  for (const event of [ada.failedLogin, ada.login, bob.failedLogin, bob.logout]) {
    await db.transaction((tx) => recordAuditEvent(tx, event))
  }
  assert.equal((await listAuditEntries(db, { userId: bob.login.user_id })).length, 2)
  const failures = await listAuditEntries(db, { outcome: 'failure' })
  assert.deepEqual(failures.map((e) => e.event_id).sort(), [ada.failedLogin.event_id, bob.failedLogin.event_id].sort())
  const logouts = await listAuditEntries(db, { eventType: 'user_logout' })
  assert.deepEqual(
    logouts.map((e) => e.event_id),
    [bob.logout.event_id],
  )
  assert.equal((await listAuditEntries(db, { limit: 1 })).length, 1)
})
