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
