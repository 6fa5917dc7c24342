import assert from 'node:assert/strict'
import { v7 as uuidv7 } from 'uuid'
import { countPending, enqueueOutboxEvent, fetchByStatus, oldestPendingAge, purgeSent } from '../../src/outbox/index.ts'
import { testOnEachEngine } from '../db/engines.ts'

const event = (key: string, payload: unknown = { n: 1 }) => ({
  eventId: uuidv7(),
  topic: 'grimos.users',
  key,
  eventType: 'user_registered',
  payload,
})

testOnEachEngine('an event exists exactly when the transaction that enqueued it commits', async (db) => {
  await db.exec('create table users (id text primary key)')
  const committed = event('user-1', { name: 'Ada', tags: ['a'] })
  await db.transaction(async (tx) => {
    await tx.query('insert into users values ($1)', ['user-1'])
    await enqueueOutboxEvent(tx, { ...committed, headers: { traceparent: 'tp' } })
  })
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query('insert into users values ($1)', ['user-2'])
      await enqueueOutboxEvent(tx, event('user-2'))
      throw new Error('validation failed after the write')
    }),
  )
  const pending = await fetchByStatus(db, 'pending')
  assert.equal(pending.length, 1)
  const [row] = pending
  assert.equal(row?.eventId, committed.eventId)
  assert.equal(row?.key, 'user-1')
  assert.equal(row?.eventType, 'user_registered')
  assert.deepEqual(row?.payload, { name: 'Ada', tags: ['a'] })
  assert.deepEqual(row?.headers, { traceparent: 'tp' })
  assert.equal(row?.attempts, 0)
  assert.equal(row?.status, 'pending')
  assert.equal(typeof row?.id, 'number')
  assert.equal(await countPending(db), 1)
  assert.ok((await oldestPendingAge(db)) >= 0)
})

testOnEachEngine('an event id is enqueued at most once', async (db) => {
  const once = event('user-1')
  await db.transaction((tx) => enqueueOutboxEvent(tx, once))
  await assert.rejects(db.transaction((tx) => enqueueOutboxEvent(tx, once)))
  assert.equal(await countPending(db), 1)
})

testOnEachEngine('lag is the age of the oldest pending row; purge removes only old sent rows', async (db) => {
  assert.equal(await oldestPendingAge(db), 0, 'no lag without pending rows')
  for (const key of ['a', 'b', 'c']) await db.transaction((tx) => enqueueOutboxEvent(tx, event(key)))
  await db.exec("update grimos_outbox set created_at = now() - interval '5 seconds' where message_key = 'a'")
  assert.ok((await oldestPendingAge(db)) >= 5000)
  await db.exec(
    "update grimos_outbox set status = 'sent', sent_at = now() - interval '2 days' where message_key = 'a';" +
      "update grimos_outbox set status = 'sent', sent_at = now() where message_key = 'b'",
  )
  assert.equal(await purgeSent(db, 24 * 60 * 60 * 1000), 1)
  const left = await db.query<{ message_key: string }>('select message_key from grimos_outbox order by id')
  assert.deepEqual(
    left.map((r) => r.message_key),
    ['b', 'c'],
  )
})
