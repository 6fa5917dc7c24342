// A PostgreSQL outage under the dedupe store, against the real broker and PostgreSQL: the consumer's database
// connections go through a loopback proxy that the test cuts (the shared server keeps running). Records wait,
// nothing is dead-lettered, health names the database; after the cut every event is handled exactly once.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, databaseUrl, eventually } from '../../../../test/support/index.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { migrateEventsSchema, openDatabase } from '../../src/db/index.ts'
import { PostgresProcessedEventStore } from '../../src/dedupe/index.ts'
import { uniqueSchema } from '../db/engines.ts'
import { consumerFor, delay, freshRegistry, produceEvents, readTopic, sampleEvent, testSerde } from './helpers.ts'

const CUT_MS = Number(process.env.GRIMOS_OUTAGE_MS ?? 10_000)
const USERS = 5

const serde = testSerde()

test(`PostgreSQL cut for ${CUT_MS / 1000} s under the dedupe store: 0 in the DLQ, each event handled once after`, async () => {
  const topic = await createTestTopic('consumer-outage-db', 3, ['.retry', '.dlq'])
  const proxy = await startTcpProxy(databaseUrl)
  const schema = uniqueSchema('outage')
  const db = await openDatabase({ url: proxy.url, schema, maxConnections: 4 })
  // Checks go straight to the server, past the proxy.
  const direct = await openDatabase({ url: databaseUrl, schema })
  after(async () => {
    await direct.exec(`drop schema if exists "${schema}" cascade`)
    await direct.close()
  })
  await migrateEventsSchema(db)
  await db.exec('create table side_effects (seq bigserial primary key, event_id text not null, user_id text not null)')
  const metrics = freshRegistry()
  const consumer = consumerFor(serde, topic, {
    dedupe: new PostgresProcessedEventStore(db),
    metricsRegistry: metrics,
    retry: { initialDelayMs: 50, maxAttempts: 3 },
    outageBackoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
  })
  for (const eventType of USER_EVENT_TYPES)
    consumer.registerHandler(eventType, async (event, context) => {
      await context.tx?.query('insert into side_effects (event_id, user_id) values ($1, $2)', [
        event.event_id,
        event.user_id,
      ])
      return { success: true, message: 'ok' }
    })
  const rows = async () =>
    direct.query<{ event_id: string; user_id: string }>('select event_id, user_id from side_effects order by seq')

  const before = USER_EVENT_TYPES.map((eventType) => sampleEvent(eventType, 'user-before'))
  await consumer.start()
  await produceEvents(serde, topic, before)
  await eventually(rows, (r) => r.length >= before.length)

  // Cut while the pool holds open connections: they break, and new ones are refused.
  await proxy.cut()
  const during = USER_EVENT_TYPES.flatMap((eventType) =>
    Array.from({ length: USERS }, (_, u) => sampleEvent(eventType, `user-${u}`)),
  )
  await produceEvents(serde, topic, during)
  const down = await eventually(
    () => consumer.health(),
    (h) => h.details.outages.some((o) => o.dependency === 'database'),
  )
  assert.match(down.details.notReadyReason ?? '', /database unavailable since /)
  const cutUntil = Date.now() + CUT_MS
  while (Date.now() < cutUntil) {
    const health = consumer.health()
    assert.equal(health.ready, false, 'not ready while PostgreSQL is cut')
    assert.equal(health.live, true)
    await delay(250)
  }
  assert.equal((await rows()).length, before.length, 'nothing handled during the cut')
  assert.deepEqual(await readTopic(`${topic}.dlq`), [], 'nothing dead-lettered during the cut')

  await proxy.restore()
  const restoredAt = performance.now()
  const all = [...before, ...during]
  await eventually(rows, (r) => r.length >= all.length, 30_000)
  const resumeMs = Math.round(performance.now() - restoredAt)
  await delay(500)
  const final = await rows()
  assert.equal(final.length, all.length, 'no side effect doubled')
  assert.deepEqual(new Set(final.map((r) => r.event_id)), new Set(all.map((e) => e.event_id)), 'every event handled')
  for (let u = 0; u < USERS; u++) {
    const key = `user-${u}`
    assert.deepEqual(
      final.filter((r) => r.user_id === key).map((r) => r.event_id),
      during.filter((e) => e.user_id === key).map((e) => e.event_id),
      `${key}: per-key order kept`,
    )
  }
  assert.deepEqual(await readTopic(`${topic}.dlq`), [])
  assert.deepEqual(await readTopic(`${topic}.retry`), [])
  const ready = await eventually(
    () => consumer.health(),
    (h) => h.ready,
  )
  assert.equal(ready.ready, true, 'ready again once PostgreSQL is back')
  const waits = await metrics.getSingleMetric('grimos_consumer_dependency_waits_total')?.get()
  const waitCount = waits?.values.find((v) => v.labels.dependency === 'database')?.value ?? 0
  console.log(
    `PostgreSQL cut ${CUT_MS} ms: ${during.length} events handled once, resumed in ${resumeMs} ms after restore, ${waitCount} waits, 0 in the DLQ`,
  )
  await consumer.stop()
  await db.close()
})
