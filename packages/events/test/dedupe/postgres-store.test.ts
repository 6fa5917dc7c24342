import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { v7 as uuidv7 } from 'uuid'
import type { Queryable } from '../../src/db/index.ts'
import { PostgresProcessedEventStore } from '../../src/dedupe/index.ts'
import { testOnEachEngine } from '../db/engines.ts'

const group = 'billing'

async function recordSideEffect(tx: Queryable | undefined, eventId: string): Promise<void> {
  assert.ok(tx, 'a database store hands its transaction to the work')
  await tx.query('insert into side_effects (event_id) values ($1)', [eventId])
}

for (const groupCommit of [false, {}] as const)
  testOnEachEngine(
    `runOnce runs the work once per key, even when called concurrently (group commit ${groupCommit ? 'on' : 'off'})`,
    async (db) => {
      await db.exec('create table side_effects (event_id text not null)')
      const store = new PostgresProcessedEventStore(db, { groupCommit })
      const eventId = uuidv7()
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.runOnce({ eventId, consumerGroup: group }, async (tx) => {
            await recordSideEffect(tx, eventId)
            await sleep(30)
            return 'handled'
          }),
        ),
      )
      assert.equal(outcomes.filter((o) => o.ran).length, 1)
      assert.deepEqual(
        outcomes.find((o) => o.ran),
        { ran: true, result: 'handled' },
      )
      const [row] = await db.query<{ n: number }>('select count(*)::int as n from side_effects')
      assert.equal(row?.n, 1)
      assert.equal(await store.has({ eventId, consumerGroup: group }), true)
      assert.equal(await store.has({ eventId, consumerGroup: 'another-group' }), false, 'marks are per consumer group')
      const other = await store.runOnce({ eventId, consumerGroup: 'another-group' }, async () => 'also')
      assert.deepEqual(other, { ran: true, result: 'also' })
    },
  )

testOnEachEngine('a throwing work leaves neither mark nor side effect, so a retry runs it again', async (db) => {
  await db.exec('create table side_effects (event_id text not null)')
  const store = new PostgresProcessedEventStore(db)
  const key = { eventId: uuidv7(), consumerGroup: group }
  await assert.rejects(
    store.runOnce(key, async (tx) => {
      await recordSideEffect(tx, key.eventId)
      throw new Error('downstream said no')
    }),
    /downstream said no/,
  )
  assert.equal(await store.has(key), false)
  const [before] = await db.query<{ n: number }>('select count(*)::int as n from side_effects')
  assert.equal(before?.n, 0, 'the side effect rolled back with the mark')
  const retry = await store.runOnce(key, async (tx) => {
    await recordSideEffect(tx, key.eventId)
    return 42
  })
  assert.deepEqual(retry, { ran: true, result: 42 })
  const [after] = await db.query<{ n: number }>('select count(*)::int as n from side_effects')
  assert.equal(after?.n, 1)
})

testOnEachEngine('purgeOlderThan deletes only old marks', async (db) => {
  const store = new PostgresProcessedEventStore(db)
  const old = { eventId: uuidv7(), consumerGroup: group }
  const recent = { eventId: uuidv7(), consumerGroup: group }
  await store.runOnce(old, async () => undefined)
  await store.runOnce(recent, async () => undefined)
  await db.query("update grimos_processed_events set processed_at = now() - interval '2 hours' where event_id = $1", [
    old.eventId,
  ])
  assert.equal(await store.purgeOlderThan(60 * 60 * 1000), 1)
  assert.equal(await store.has(old), false)
  assert.equal(await store.has(recent), true)
})

testOnEachEngine('group commit: one failing handler among many rolls back only its own writes and mark', async (db) => {
  await db.exec('create table side_effects (event_id text not null)')
  const store = new PostgresProcessedEventStore(db, { groupCommit: {} })
  const keys = Array.from({ length: 40 }, () => ({ eventId: uuidv7(), consumerGroup: group }))
  const failing = new Set([keys[3]?.eventId, keys[17]?.eventId, keys[39]?.eventId])
  const transactions = new Set<unknown>()
  const outcomes = await Promise.allSettled(
    keys.map((key) =>
      store.runOnce(key, async (tx) => {
        transactions.add((await tx?.query<{ id: string }>('select txid_current()::text as id'))?.[0]?.id)
        await recordSideEffect(tx, key.eventId)
        // A statement that fails breaks the transaction until its savepoint is rolled back.
        if (key.eventId === keys[17]?.eventId) await tx?.query('select 1/0')
        if (failing.has(key.eventId)) throw new Error(`handler of ${key.eventId} failed`)
        return key.eventId
      }),
    ),
  )
  assert.ok(transactions.size < keys.length / 4, `${keys.length} events shared ${transactions.size} transactions`)
  for (const [i, outcome] of outcomes.entries()) {
    const key = keys[i] as (typeof keys)[number]
    if (failing.has(key.eventId)) assert.equal(outcome.status, 'rejected')
    else assert.deepEqual(outcome, { status: 'fulfilled', value: { ran: true, result: key.eventId } })
    assert.equal(await store.has(key), !failing.has(key.eventId))
  }
  const rows = await db.query<{ event_id: string }>('select event_id from side_effects')
  assert.deepEqual(
    rows.map((r) => r.event_id).sort(),
    keys
      .map((k) => k.eventId)
      .filter((id) => !failing.has(id))
      .sort(),
  )
  // A redelivery: the handled ones are duplicates now, the failed ones run again.
  const again = await Promise.all(keys.map((key) => store.runOnce(key, async () => 'again')))
  assert.deepEqual(
    again.map((o) => o.ran),
    keys.map((k) => failing.has(k.eventId)),
  )
})

testOnEachEngine('group commit: nothing is reported done before its transaction commits', async (db) => {
  await db.exec('create table side_effects (event_id text not null)')
  const store = new PostgresProcessedEventStore(db, { groupCommit: { maxEvents: 8 } })
  const keys = Array.from({ length: 30 }, () => ({ eventId: uuidv7(), consumerGroup: group }))
  const seenWhenDone: number[] = []
  await Promise.all(
    keys.map((key) =>
      store
        .runOnce(key, (tx) => recordSideEffect(tx, key.eventId))
        .then(async () => {
          // Read outside the transaction: the side effect must be committed, hence visible, by now.
          const rows = await db.query('select 1 from side_effects where event_id = $1', [key.eventId])
          seenWhenDone.push(rows.length)
        }),
    ),
  )
  assert.deepEqual(
    seenWhenDone,
    keys.map(() => 1),
  )
})

testOnEachEngine('group commit off (the default): one transaction per event, same outcomes', async (db) => {
  await db.exec('create table side_effects (event_id text not null)')
  const store = new PostgresProcessedEventStore(db)
  const key = { eventId: uuidv7(), consumerGroup: group }
  const outcomes = await Promise.all(
    [0, 1, 2].map(() => store.runOnce(key, (tx) => recordSideEffect(tx, key.eventId).then(() => 'handled'))),
  )
  assert.equal(outcomes.filter((o) => o.ran).length, 1)
  assert.throws(
    () => new PostgresProcessedEventStore(db, { groupCommit: { maxEvents: 0 } }),
    /GRIM_CONFIG_INVALID|options are invalid/,
  )
})
