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

testOnEachEngine('runOnce runs the work once per key, even when called concurrently', async (db) => {
  await db.exec('create table side_effects (event_id text not null)')
  const store = new PostgresProcessedEventStore(db)
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
})

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
