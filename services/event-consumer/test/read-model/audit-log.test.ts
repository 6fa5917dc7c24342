import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import {
  eraseAuditClientContext,
  listAuditEntries,
  pruneAuditLog,
  recordAuditEvent,
} from '../../src/read-model/audit-log.ts'
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

testOnEachEngine(
  'erasing a user removes IP address and user agent from all their rows, and only theirs',
  async (db) => {
    const ada = lifeOf(randomUUID())
    const bob = lifeOf(randomUUID())
    for (const event of [ada.failedLogin, ada.login, bob.login])
      await db.transaction((tx) => recordAuditEvent(tx, event))
    assert.equal(await db.transaction((tx) => eraseAuditClientContext(tx, ada.login.user_id)), 2)
    const erased = await listAuditEntries(db, { userId: ada.login.user_id })
    assert.deepEqual(
      erased.map((e) => [e.event_type, e.outcome, e.source_ip, e.user_agent, e.occurred_at.toISOString()]),
      [
        ['user_login', 'failure', null, null, ada.failedLogin.timestamp],
        ['user_login', 'success', null, null, ada.login.timestamp],
      ],
    )
    assert.equal((await listAuditEntries(db, { userId: bob.login.user_id }))[0]?.source_ip, '203.0.113.7')
    // An event of an erased user is recorded without the client context.
    assert.equal(await db.transaction((tx) => recordAuditEvent(tx, ada.logout, true)), true)
    const [logout] = await listAuditEntries(db, { userId: ada.login.user_id, eventType: 'user_logout' })
    assert.deepEqual([logout?.source_ip, logout?.user_agent, logout?.request_id], [null, null, 'req-1'])
  },
)

testOnEachEngine('retention deletes rows older than the given days and keeps the rest', async (db) => {
  const now = Date.now()
  const old = lifeOf(randomUUID(), new Date(now - 40 * 86_400_000))
  const fresh = lifeOf(randomUUID(), new Date(now - 5 * 86_400_000))
  for (const event of [old.login, old.logout, fresh.login]) await db.transaction((tx) => recordAuditEvent(tx, event))
  assert.equal(await pruneAuditLog(db, 30), 2)
  assert.deepEqual(
    (await listAuditEntries(db)).map((e) => e.event_id),
    [fresh.login.event_id],
  )
  assert.equal(await pruneAuditLog(db, 30), 0)
})
