// The outbox survives the real broker being stopped: events written while Kafka is down all arrive once it is
// back, exactly once after dedupe by event_id, in order per user, with at most one relay batch sent twice.
// Runs alone (phase 2 of npm test).
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Registry } from 'prom-client'
import { kafkaAnswers } from '../../infra/stack/kafka.ts'
import { stopProcess } from '../../infra/stack/processes.ts'
import { up } from '../../infra/stack/stack.ts'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { migrateEventsSchema, openDatabase } from '../../packages/events/src/db/index.ts'
import { enqueueUserEvent, startOutboxRelay } from '../../packages/events/src/outbox/index.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import {
  chaosLoginInput,
  createTestTopic,
  databaseUrl,
  deleteSubjectsAfter,
  eventually,
  readAll,
  uniqueName,
} from '../support/index.ts'

const users = Array.from({ length: 5 }, (_, i) => `0190d5a2-7c1e-7b3a-9f00-00000000000${i}`)
const perUser = 10
// Small, so that the bound on duplicates below (one batch re-sent after a lost ack) is tight: with the default
// of 100 rows, a relay re-sending all 50 events twice over would still pass.
const batchSize = 5

test('events written to the outbox while Kafka is stopped all arrive after it restarts, once each, in order per user', async () => {
  const topic = await createTestTopic('outbox-chaos', 3)
  const serde = new EventSerde({ topic })
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))
  const schema = uniqueName('outbox_chaos').replace(/[^a-z0-9_]/gi, '_')
  const db = await openDatabase({ url: databaseUrl, schema })
  await migrateEventsSchema(db)
  const metrics = new Registry()
  const relay = startOutboxRelay(db, {
    clientId: 'chaos-relay',
    metricsRegistry: metrics,
    relay: { pollIntervalMs: 100, batchSize, backoff: { initialDelayMs: 100, maxDelayMs: 2_000 } },
  })
  const retries = async () =>
    (await metrics.getSingleMetric('grimos_publish_retries_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0
  after(async () => {
    await relay.stop()
    await db.exec(`drop schema if exists "${schema}" cascade`)
    await db.close()
    await serde.close()
  })

  const written: string[] = []
  try {
    await stopProcess('kafka')
    assert.equal(await kafkaAnswers(1000).catch(() => false), false, 'the broker is really down')
    // Several small transactions, users interleaved, as a busy service would write them.
    for (let n = 0; n < perUser; n++) {
      await db.transaction(async (tx) => {
        for (const userId of users)
          written.push((await enqueueUserEvent(tx, chaosLoginInput(userId, n), { topic })).event_id)
      })
    }
    // The relay has really tried (and failed) to send them, rather than not having looked yet.
    assert.ok((await eventually(retries, (n) => n >= 2, 30_000)) >= 2, 'the relay retried while Kafka was down')
    assert.equal(await relay.relay.pendingCount(), users.length * perUser, 'nothing could be sent while Kafka was down')
  } finally {
    await up(undefined, ['kafka'])
  }
  await relay.drain(120_000)

  const records = await readAll(topic)
  const firstSeen = new Map<string, { userId: string; index: number }>()
  for (const record of records) {
    const event = await serde.decode(record.value!)
    if (!firstSeen.has(event.event_id)) firstSeen.set(event.event_id, { userId: event.user_id, index: firstSeen.size })
  }
  assert.equal(firstSeen.size, written.length, 'every event arrived')
  assert.deepEqual(new Set(firstSeen.keys()), new Set(written), 'exactly the events written')
  for (const userId of users) {
    const expected = written.filter((_, i) => users[i % users.length] === userId)
    const arrived = [...firstSeen].filter(([, v]) => v.userId === userId).map(([id]) => id)
    assert.deepEqual(arrived, expected, `order of ${userId}`)
  }
  assert.ok(
    records.length - written.length <= batchSize,
    `duplicates bounded by one relay batch (${batchSize}), got ${records.length - written.length}`,
  )
})
