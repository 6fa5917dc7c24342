import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { applyRegistered, applySnapshot, findUser, userChanges } from '../../src/read-model/users.ts'
import { lifeOf, testOnEachEngine } from '../support.ts'

testOnEachEngine('registration creates the row; later events apply their snapshot and bump the version', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  assert.equal(await db.transaction((tx) => applyRegistered(tx, life.registered)), 'applied')
  const created = await findUser(db, id)
  assert.equal(created?.email, 'ada@example.com')
  assert.deepEqual(created?.roles, ['user'])
  assert.equal(created?.version, 1)
  assert.equal(created?.email_verified, false)

  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'applied')
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.emailVerified)), 'applied')
  const verified = await findUser(db, id)
  assert.equal(verified?.full_name, 'Ada King')
  assert.equal(verified?.email_verified, true)
  assert.equal(verified?.version, 3)
  assert.equal(verified?.last_event_id, life.emailVerified.event_id)
  assert.equal(verified?.created_at.toISOString(), life.registered.timestamp)
  assert.equal(verified?.updated_at.toISOString(), life.emailVerified.timestamp)

  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.deleted)), 'applied')
  const deleted = await findUser(db, id)
  assert.equal(deleted?.deleted, true)
  assert.equal(deleted?.is_active, false)
  assert.equal(deleted?.deleted_at?.toISOString(), life.deleted.timestamp)
  assert.equal(deleted?.version, 4)
})

testOnEachEngine('every write is idempotent by event_id', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  assert.equal(await db.transaction((tx) => applyRegistered(tx, life.registered)), 'duplicate')
  await db.transaction((tx) => applySnapshot(tx, life.updated))
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'duplicate')
  const user = await findUser(db, id)
  assert.equal(user?.version, 2, 'the repeats changed nothing')
  const changes = await userChanges(db, id)
  assert.deepEqual(
    changes.map((c) => [c.event_type, c.outcome]),
    [
      ['user_registered', 'applied'],
      ['user_updated', 'applied'],
    ],
  )
})

testOnEachEngine('an update for an unknown user writes nothing and says so', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'unknown-user')
  assert.equal(await findUser(db, id), undefined, 'no row was invented')
  assert.deepEqual(await userChanges(db, id), [], 'not even claimed: the retry must apply it')
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'applied', 'the retry applies')
  assert.equal((await findUser(db, id))?.full_name, 'Ada King')
})

testOnEachEngine('an older snapshot never overwrites a newer one; a deleted user stays deleted', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  await db.transaction((tx) => applySnapshot(tx, life.emailVerified))
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'stale')
  assert.equal((await findUser(db, id))?.version, 2)
  await db.transaction((tx) => applySnapshot(tx, life.deleted))
  const late = lifeOf(id, new Date('2025-02-01T00:00:00Z')).updated
  assert.equal(await db.transaction((tx) => applySnapshot(tx, late)), 'ignored')
  assert.equal((await findUser(db, id))?.deleted, true)
  assert.deepEqual(
    (await userChanges(db, id)).map((c) => c.outcome),
    ['applied', 'stale', 'applied', 'applied', 'ignored'],
  )
})

testOnEachEngine('a changed email address is unverified again', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  await db.transaction((tx) => applySnapshot(tx, life.emailVerified))
  const moved = lifeOf(id, new Date('2025-01-02T00:00:00Z'))
  const update = { ...moved.updated, data: { ...moved.updated.data, email: 'ada@new.example.com' } }
  await db.transaction((tx) => applySnapshot(tx, update))
  const user = await findUser(db, id)
  assert.equal(user?.email, 'ada@new.example.com')
  assert.equal(user?.email_verified, false)
})

testOnEachEngine('a rolled-back transaction leaves neither the row nor the claim', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await assert.rejects(
    db.transaction(async (tx) => {
      await applyRegistered(tx, life.registered)
      throw new Error('the processed mark failed')
    }),
    /processed mark failed/,
  )
  assert.equal(await findUser(db, id), undefined)
  assert.equal(await db.transaction((tx) => applyRegistered(tx, life.registered)), 'applied')
})

testOnEachEngine('user_deleted erases email, name and roles and sets deleted_at', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  await db.transaction((tx) => applySnapshot(tx, life.emailVerified))
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.deleted)), 'applied')
  const user = await findUser(db, id)
  assert.deepEqual(
    [user?.email, user?.full_name, user?.roles, user?.email_verified, user?.is_active, user?.deleted],
    [null, null, null, false, false, true],
  )
  assert.equal(user?.deleted_at?.toISOString(), life.deleted.timestamp)
  // The event carried the email as it was; nothing of it is stored.
  const raw = await db.query('select * from user_directory where id = $1', [id])
  assert.doesNotMatch(JSON.stringify(raw), /ada@example\.com|Ada/)
})

testOnEachEngine(
  'nothing after a deletion brings personal data back: replays, late retries, older events',
  async (db) => {
    const id = randomUUID()
    const life = lifeOf(id)
    await db.transaction((tx) => applyRegistered(tx, life.registered))
    await db.transaction((tx) => applySnapshot(tx, life.deleted))
    // Replays of earlier events under their own ids, and fresh copies (new ids) of them, later in time too.
    const later = lifeOf(id, new Date('2026-01-01T00:00:00Z'))
    assert.equal(await db.transaction((tx) => applyRegistered(tx, life.registered)), 'duplicate')
    assert.equal(await db.transaction((tx) => applyRegistered(tx, later.registered)), 'ignored')
    for (const event of [life.updated, life.emailVerified, later.updated, later.emailVerified]) {
      const outcome = await db.transaction((tx) => applySnapshot(tx, event))
      assert.equal(outcome, 'ignored', event.event_type)
    }
    assert.equal(await db.transaction((tx) => applySnapshot(tx, later.deleted)), 'ignored')
    const user = await findUser(db, id)
    assert.deepEqual([user?.email, user?.full_name, user?.roles], [null, null, null])
    assert.equal(user?.deleted_at?.toISOString(), life.deleted.timestamp, 'the first deletion is the one kept')
  },
)

testOnEachEngine('a deletion older than the row still erases (it is never stale)', async (db) => {
  const id = randomUUID()
  const life = lifeOf(id)
  await db.transaction((tx) => applyRegistered(tx, life.registered))
  const future = lifeOf(id, new Date('2025-06-01T00:00:00Z'))
  await db.transaction((tx) => applySnapshot(tx, future.updated))
  assert.equal(await db.transaction((tx) => applySnapshot(tx, life.deleted)), 'applied')
  const user = await findUser(db, id)
  assert.deepEqual([user?.email, user?.full_name, user?.deleted], [null, null, true])
  assert.equal(user?.updated_at.toISOString(), future.updated.timestamp, 'updated_at never goes back')
})

testOnEachEngine(
  'a deletion of a user not seen yet leaves a tombstone; the late registration is ignored',
  async (db) => {
    const id = randomUUID()
    const life = lifeOf(id)
    assert.equal(await db.transaction((tx) => applySnapshot(tx, life.deleted)), 'applied')
    assert.equal(await db.transaction((tx) => applyRegistered(tx, life.registered)), 'ignored')
    assert.equal(await db.transaction((tx) => applySnapshot(tx, life.updated)), 'ignored')
    const user = await findUser(db, id)
    assert.deepEqual([user?.email, user?.full_name, user?.roles, user?.deleted], [null, null, null, true])
    assert.equal(user?.deleted_at?.toISOString(), life.deleted.timestamp)
  },
)
