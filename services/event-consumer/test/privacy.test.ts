// Erasure and retention end to end through the handlers and the service (PostgreSQL and PGlite; no Kafka).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { eventually, uniqueName } from '../../../test/support/index.ts'
import { consumerMigrations, consumerMigrationsTable, migrateServiceSchema } from '../src/db.ts'
import { type HandlerContext, migrate, migrateEventsSchema, type Queryable } from '../src/events.ts'
import { userEventHandlers } from '../src/handlers/index.ts'
import { listAuditEntries, recordAuditEvent } from '../src/read-model/audit-log.ts'
import { applyRegistered, findUser } from '../src/read-model/users.ts'
import { auth, buildTestService, lifeOf, testOnEachEngine } from './support.ts'

const contextOf = (tx: Queryable): HandlerContext => ({
  tx,
  attempt: 1,
  record: { topic: 't', partition: 0, offset: 0n, headers: new Map() },
})

testOnEachEngine(
  'user_deleted erases the audit client context; later security events arrive without it',
  async (db) => {
    const handlers = userEventHandlers()
    const id = randomUUID()
    const life = lifeOf(id)
    await db.transaction((tx) => handlers.user_registered(life.registered, contextOf(tx)))
    await db.transaction((tx) => handlers.user_login(life.failedLogin, contextOf(tx)))
    await db.transaction((tx) => handlers.user_login(life.login, contextOf(tx)))
    assert.equal((await listAuditEntries(db, { userId: id }))[0]?.source_ip, '203.0.113.7')

    assert.equal((await db.transaction((tx) => handlers.user_deleted(life.deleted, contextOf(tx)))).success, true)
    const kept = await listAuditEntries(db, { userId: id })
    assert.deepEqual(
      kept.map((e) => [e.user_id, e.event_type, e.outcome, e.occurred_at.toISOString(), e.source_ip, e.user_agent]),
      [
        [id, 'user_login', 'failure', life.failedLogin.timestamp, null, null],
        [id, 'user_login', 'success', life.login.timestamp, null, null],
      ],
    )

    // A late retry (or a DLQ replay) of an earlier security event: recorded, without IP and agent.
    await db.transaction((tx) => handlers.user_logout(life.logout, contextOf(tx)))
    await db.transaction((tx) => handlers.user_password_changed(life.passwordChanged, contextOf(tx)))
    for (const entry of await listAuditEntries(db, { userId: id })) {
      assert.deepEqual([entry.source_ip, entry.user_agent], [null, null], entry.event_type)
    }

    // A row written with the context anyway (an older consumer version, a race) is erased by a redelivered deletion.
    const stray = lifeOf(id).login
    await db.transaction((tx) => recordAuditEvent(tx, stray))
    const again = await db.transaction((tx) => handlers.user_deleted(life.deleted, contextOf(tx)))
    assert.match(again.message, /duplicate/)
    const [strayRow] = (await listAuditEntries(db, { userId: id })).filter((e) => e.event_id === stray.event_id)
    assert.deepEqual([strayRow?.source_ip, strayRow?.user_agent], [null, null])
  },
)

testOnEachEngine('migration 003 erases what earlier versions kept of users already deleted', async (db) => {
  // The database as the previous version left it: a deleted user with email, name and roles, audit rows with IPs.
  const id = randomUUID()
  const life = lifeOf(id)
  await db.exec('drop table if exists user_directory, user_directory_changes, security_audit_log cascade')
  await db.exec(`drop table if exists ${consumerMigrationsTable}`)
  await migrateEventsSchema(db)
  await migrate(db, consumerMigrations.slice(0, 2), consumerMigrationsTable)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  await db.query(`update user_directory set deleted = true, deleted_at = now() where id = $1`, [id])
  await db.transaction((tx) => recordAuditEvent(tx, life.login))
  const living = lifeOf(randomUUID())
  await db.transaction((tx) => applyRegistered(tx, living.registered))
  await db.transaction((tx) => recordAuditEvent(tx, living.login))

  await migrateServiceSchema(db)
  const erased = await findUser(db, id)
  assert.deepEqual([erased?.email, erased?.full_name, erased?.roles, erased?.deleted], [null, null, null, true])
  assert.equal((await listAuditEntries(db, { userId: id }))[0]?.source_ip, null)
  assert.equal((await findUser(db, living.registered.user_id))?.email, 'ada@example.com')
  assert.equal((await listAuditEntries(db, { userId: living.registered.user_id }))[0]?.source_ip, '203.0.113.7')
})

test('the service deletes audit rows past AUDIT_LOG_RETENTION_DAYS on its own, and shows erased users as null', async () => {
  const service = await buildTestService(
    uniqueName('ec-retention'),
    undefined,
    {},
    {
      AUDIT_LOG_RETENTION_DAYS: '30',
      AUDIT_LOG_PRUNE_INTERVAL_MS: '1000',
    },
  )
  try {
    const now = Date.now()
    const old = lifeOf(randomUUID(), new Date(now - 31 * 86_400_000))
    const fresh = lifeOf(randomUUID(), new Date(now - 29 * 86_400_000))
    for (const event of [old.login, old.failedLogin, fresh.login]) {
      await service.db.transaction((tx) => recordAuditEvent(tx, event))
    }
    const left = await eventually(
      () => listAuditEntries(service.db),
      (entries) => entries.length === 1,
      10_000,
    )
    assert.deepEqual(
      left.map((e) => e.event_id),
      [fresh.login.event_id],
    )

    const handlers = userEventHandlers()
    await service.db.transaction((tx) => handlers.user_registered(fresh.registered, contextOf(tx)))
    await service.db.transaction((tx) => handlers.user_deleted(fresh.deleted, contextOf(tx)))
    const response = await service.app.inject({
      method: 'GET',
      url: `/users/${fresh.registered.user_id}`,
      headers: auth,
    })
    assert.equal(response.statusCode, 200)
    const { user } = response.json()
    assert.deepEqual([user.email, user.full_name, user.roles, user.deleted], [null, null, null, true])
    assert.equal(user.deleted_at, fresh.deleted.timestamp)
    assert.doesNotMatch(response.body, /ada@example\.com|203\.0\.113\.7/)
  } finally {
    await service.cleanup()
  }
})
