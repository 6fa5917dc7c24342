// A registry outage against the real broker and registry: a consumer with no cached schemas starts while its
// registry connection is cut (a loopback proxy, the shared registry keeps running). Every good event waits and is
// handled once after the cut ends, in per-key order, none in the DLQ or the retry topic; health is not ready
// during the cut and says why; a record with a schema id the registry does not know still goes to the DLQ.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, eventually, registryUrl } from '../../../../test/support/index.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { USER_EVENT_TYPES, type UserEvent } from '../../src/catalog/index.ts'
import { DLQ_HEADERS } from '../../src/dlq/headers.ts'
import { KafkaProducer } from '../../src/kafka/index.ts'
import { EventSerde } from '../../src/serde/index.ts'
import {
  consumerFor,
  delay,
  freshRegistry,
  header,
  produceEvents,
  readTopic,
  sampleEvent,
  serdeTopic,
  testSerde,
} from './helpers.ts'

const CUT_MS = Number(process.env.GRIMOS_OUTAGE_MS ?? 10_000)
const USERS = 5

const producerSerde = testSerde()

test(`registry cut for ${CUT_MS / 1000} s on a fresh serde: 0 good events in the DLQ, each handled once after`, async () => {
  const topic = await createTestTopic('consumer-outage-registry', 3, ['.retry', '.dlq'])
  const proxy = await startTcpProxy(registryUrl)
  // No schema cached: every decode must ask the registry, through the proxy.
  const serde = new EventSerde({ topic: serdeTopic, registryUrl: proxy.url, autoRegister: false })
  after(() => serde.close())
  const metrics = freshRegistry()
  const consumer = consumerFor(serde, topic, {
    metricsRegistry: metrics,
    retry: { initialDelayMs: 50, maxAttempts: 3 },
    outageBackoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
  })
  const handled: UserEvent[] = []
  for (const eventType of USER_EVENT_TYPES)
    consumer.registerHandler(eventType, async (event) => {
      handled.push(event)
      return { success: true, message: 'ok' }
    })
  // Events of every type for several users, interleaved, so each key has its own order to keep.
  const uniqueEvents = USER_EVENT_TYPES.flatMap((eventType) =>
    Array.from({ length: USERS }, (_, u) => sampleEvent(eventType, `user-${u}`)),
  )
  // A framed record whose schema id the registry has never issued: undecodable, whatever the registry's state.
  const unknownId = Buffer.concat([Buffer.from([0, 0x77, 0x35, 0x94, 0x00]), Buffer.from('not avro')])

  await proxy.cut()
  await consumer.start()
  await produceEvents(producerSerde, topic, uniqueEvents)
  const producer = new KafkaProducer({ clientId: 'consumer-tests-producer' })
  await producer.send([{ topic, key: Buffer.from('poison'), value: unknownId }])
  await producer.close()

  const down = await eventually(
    () => consumer.health(),
    (h) => h.details.outages.some((o) => o.dependency === 'registry'),
  )
  assert.equal(down.ready, false)
  assert.match(down.details.notReadyReason ?? '', /registry unavailable since /)
  const cutUntil = Date.now() + CUT_MS
  while (Date.now() < cutUntil) {
    const health = consumer.health()
    assert.equal(health.ready, false, 'not ready while the registry is cut')
    assert.equal(health.live, true, 'still live: waiting for the registry is not a stall')
    await delay(250)
  }
  assert.equal(handled.length, 0)
  assert.deepEqual(await readTopic(`${topic}.dlq`), [], 'nothing dead-lettered during the cut')
  const gauge = await metrics.getSingleMetric('grimos_consumer_dependency_outage')?.get()
  assert.equal(gauge?.values.find((v) => v.labels.dependency === 'registry')?.value, 1)

  await proxy.restore()
  const restoredAt = performance.now()
  await eventually(
    () => handled.length,
    (n) => n >= uniqueEvents.length,
    30_000,
  )
  const resumeMs = Math.round(performance.now() - restoredAt)
  const dlq = await eventually(
    () => readTopic(`${topic}.dlq`),
    (records) => records.length >= 1,
  )
  await delay(500)

  const counts = new Map<string, number>()
  for (const event of handled) counts.set(event.event_id, (counts.get(event.event_id) ?? 0) + 1)
  assert.equal(counts.size, uniqueEvents.length, 'every good event handled')
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    'each exactly once',
  )
  for (let u = 0; u < USERS; u++) {
    const key = `user-${u}`
    const order = (list: UserEvent[]) => list.filter((e) => e.user_id === key).map((e) => e.event_id)
    assert.deepEqual(order(handled), order(uniqueEvents), `${key}: per-key order kept`)
  }
  const dlqNow = await readTopic(`${topic}.dlq`)
  assert.equal(dlqNow.length, 1, 'only the unknown schema id is dead-lettered')
  assert.equal(dlq[0]?.key?.toString(), 'poison')
  assert.equal(header(dlqNow[0] as never, DLQ_HEADERS.errorClass), 'GRIM_SCHEMA_NOT_FOUND')
  assert.deepEqual(await readTopic(`${topic}.retry`), [], 'the outage sent nothing through the retry topic')
  const ready = await eventually(
    () => consumer.health(),
    (h) => h.ready,
  )
  assert.equal(ready.ready, true, 'ready again once the registry is back')
  assert.deepEqual(ready.details.outages, [])
  const waits = await metrics.getSingleMetric('grimos_consumer_dependency_waits_total')?.get()
  const waitCount = waits?.values.find((v) => v.labels.dependency === 'registry')?.value ?? 0
  assert.ok(waitCount > 0)
  console.log(
    `registry cut ${CUT_MS} ms: ${uniqueEvents.length} events handled once, resumed in ${resumeMs} ms after restore, ${waitCount} waits, 0 in the DLQ (+1 unknown schema id)`,
  )
})
