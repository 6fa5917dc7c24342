import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestTopic, eventually, uniqueName } from '../../../../test/support/index.ts'
import { USER_EVENT_TYPES, type UserEvent } from '../../src/catalog/index.ts'
import type { EventConsumerOptions } from '../../src/consumer/index.ts'
import { DLQ_HEADERS, TRACEPARENT_HEADER } from '../../src/dlq/headers.ts'
import { KafkaProducer } from '../../src/kafka/index.ts'
import {
  consumerFor as consumerForSerde,
  freshRegistry,
  groupCaughtUp,
  header,
  produceEvents,
  readTopic,
  sampleEvent,
  testSerde,
} from './helpers.ts'

const serde = testSerde()

const consumerFor = (topic: string, options: Partial<EventConsumerOptions> = {}) =>
  consumerForSerde(serde, topic, options)

test('every event type reaches its handler once', async () => {
  const topic = await createTestTopic('consumer-types', 3, ['.retry', '.dlq'])
  const consumer = consumerFor(topic)
  const seen: UserEvent[] = []
  for (const eventType of USER_EVENT_TYPES)
    consumer.registerHandler(eventType, async (event) => {
      seen.push(event)
      return { success: true, message: 'Event processed successfully' }
    })
  const events = USER_EVENT_TYPES.map((eventType, i) => sampleEvent(eventType, `user-${i}`))
  await produceEvents(serde, topic, events)
  await consumer.start()
  await eventually(
    () => seen.length,
    (n) => n >= events.length,
  )
  // Once the group has committed every partition's end, a duplicate could no longer turn up.
  assert.equal(await eventually(() => groupCaughtUp(consumer.groupId, [topic]), Boolean), true)
  assert.deepEqual(seen.map((e) => e.event_id).sort(), events.map((e) => e.event_id).sort())
  assert.equal(consumer.health().ready, true)
  assert.equal(consumer.health().live, true)
})

test('unhandled types are skipped when asked, and metrics count every outcome', async () => {
  const topic = await createTestTopic('consumer-skip', 1, ['.retry', '.dlq'])
  const registry = freshRegistry()
  const consumer = consumerFor(topic, { unhandledEvents: 'skip', metricsRegistry: registry, metricsIntervalMs: 200 })
  // A second consumer on the same registry reuses the metrics instead of failing to register them.
  consumerFor(topic, { metricsRegistry: registry })
  let handled = 0
  consumer.registerHandler('user_login', async () => {
    handled++
    return { success: true, message: 'ok' }
  })
  await produceEvents(serde, topic, [sampleEvent('user_deleted'), sampleEvent('user_login')])
  await consumer.start()
  await eventually(
    () => handled,
    (n) => n === 1,
  )
  const value = async (name: string, labels: Record<string, string>) => {
    const metric = await registry.getSingleMetric(name)?.get()
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value
  }
  const skipped = await eventually(
    () => value('grimos_consumer_events_processed_total', { event_type: 'user_deleted', outcome: 'skipped' }),
    (n) => n === 1,
  )
  assert.equal(skipped, 1, 'the user_deleted event nobody handles is counted as skipped')
  assert.equal(
    await value('grimos_consumer_events_processed_total', { event_type: 'user_login', outcome: 'success' }),
    1,
  )
  assert.equal(await value('grimos_consumer_up', {}), 1)
  assert.equal(await value('grimos_consumer_assigned_partitions', {}), 2, 'the topic and its retry topic')
  const lag = await eventually(
    () => value('grimos_consumer_lag', { topic, partition: '0' }),
    (n) => n === 0,
  )
  assert.equal(lag, 0)
  assert.equal((await readTopic(`${topic}.dlq`)).length, 0)
})

test('a handler failing twice then succeeding runs three times, with backoff gaps', async () => {
  const topic = await createTestTopic('consumer-backoff', 1, ['.retry', '.dlq'])
  const retry = { initialDelayMs: 200, multiplier: 2, maxDelayMs: 10_000, jitter: 0, maxAttempts: 5 }
  const consumer = consumerFor(topic, { retry, inProcessRetryLimitMs: 1_000 })
  const calls: number[] = []
  let done = 0
  consumer.registerHandler('user_registered', async () => {
    calls.push(Date.now())
    if (calls.length <= 2) throw new Error('transient')
    done++
    return { success: true, message: 'ok' }
  })
  await produceEvents(serde, topic, [sampleEvent('user_registered')])
  await consumer.start()
  await eventually(
    () => done,
    (n) => n === 1,
  )
  // Committed past the event: a fourth call can no longer come.
  assert.equal(await eventually(() => groupCaughtUp(consumer.groupId, [topic, `${topic}.retry`]), Boolean), true)
  assert.equal(calls.length, 3)
  const gaps = [(calls[1] ?? 0) - (calls[0] ?? 0), (calls[2] ?? 0) - (calls[1] ?? 0)]
  // jitter 0: exactly 200 then 400 ms, give or take timer and handler overhead.
  assert.ok(gaps[0]! >= 190 && gaps[0]! < 450, `first gap ${gaps[0]} ms`)
  assert.ok(gaps[1]! >= 390 && gaps[1]! < 700, `second gap ${gaps[1]} ms`)
})

test('an always failing handler dead-letters after maxAttempts with every DLQ header', async () => {
  const topic = await createTestTopic('consumer-dlq', 2, ['.retry', '.dlq'])
  // The third attempt waits 1.6 s: it goes through the retry topic, so the DLQ must name the original.
  const retry = { initialDelayMs: 400, multiplier: 4, maxDelayMs: 10_000, jitter: 0, maxAttempts: 3 }
  const consumer = consumerFor(topic, { retry, inProcessRetryLimitMs: 500 })
  let calls = 0
  consumer.registerHandler('user_updated', async () => {
    calls++
    return { success: false, message: 'downstream said no' }
  })
  const event = sampleEvent('user_updated', 'user-dlq')
  const producer = new KafkaProducer({ clientId: 'consumer-tests' })
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  const [position] = await producer.send([
    { topic, key: event.user_id, value: await serde.encode(event), headers: { [TRACEPARENT_HEADER]: traceparent } },
  ])
  await producer.close()
  await consumer.start()
  const dlq = await eventually(
    () => readTopic(`${topic}.dlq`),
    (records) => records.length > 0,
    20_000,
  )
  assert.equal(dlq.length, 1)
  assert.equal(calls, 3)
  const record = dlq[0]!
  assert.equal(header(record, DLQ_HEADERS.originalTopic), topic)
  assert.equal(header(record, DLQ_HEADERS.originalPartition), String(position?.partition))
  assert.equal(header(record, DLQ_HEADERS.originalOffset), String(position?.offset))
  assert.match(header(record, DLQ_HEADERS.originalTimestamp) ?? '', /^\d{13}$/)
  assert.equal(header(record, DLQ_HEADERS.consumerGroup), consumer.groupId)
  assert.equal(header(record, DLQ_HEADERS.errorClass), 'GRIM_HANDLER_FAILED')
  assert.match(header(record, DLQ_HEADERS.errorMessage) ?? '', /downstream said no/)
  assert.match(header(record, DLQ_HEADERS.errorStack) ?? '', /GrimError/)
  assert.equal(header(record, DLQ_HEADERS.attempts), '3')
  assert.ok(
    Date.parse(header(record, DLQ_HEADERS.firstFailureAt) ?? '') <
      Date.parse(header(record, DLQ_HEADERS.lastFailureAt) ?? ''),
  )
  assert.equal(header(record, TRACEPARENT_HEADER), traceparent)
  assert.equal(record.key?.toString(), event.user_id)
  assert.deepEqual((await serde.decode(record.value!)).event_id, event.event_id)
  assert.ok(![...record.headers.keys()].some((name) => name.startsWith('grimos.retry.')), 'no retry bookkeeping')
})

test('a malformed record goes to the DLQ at once and its partition keeps flowing', async () => {
  const topic = await createTestTopic('consumer-poison', 1, ['.retry', '.dlq'])
  const consumer = consumerFor(topic)
  const handled: string[] = []
  consumer.registerHandler('user_login', async (event) => {
    handled.push(event.event_id)
    return { success: true, message: 'ok' }
  })
  const before = sampleEvent('user_login', 'user-a')
  const afterwards = sampleEvent('user_login', 'user-b')
  await produceEvents(serde, topic, [before])
  const producer = new KafkaProducer({ clientId: 'consumer-tests' })
  await producer.send([{ topic, key: 'user-poison', value: Buffer.from('definitely not avro') }])
  await producer.close()
  await produceEvents(serde, topic, [afterwards])
  await consumer.start()
  await eventually(
    () => handled.length,
    (n) => n === 2,
  )
  assert.deepEqual(handled, [before.event_id, afterwards.event_id])
  const dlq = await eventually(
    () => readTopic(`${topic}.dlq`),
    (records) => records.length > 0,
  )
  assert.equal(dlq[0]?.value?.toString(), 'definitely not avro')
  assert.equal(header(dlq[0]!, DLQ_HEADERS.errorClass), 'GRIM_DECODE_FAILED')
  assert.equal(header(dlq[0]!, DLQ_HEADERS.attempts), '1')
})

test('a graceful stop commits: a restarted member of the group handles nothing again', async () => {
  const topic = await createTestTopic('consumer-stop', 3, ['.retry', '.dlq'])
  const groupId = uniqueName('consumer-group')
  const events = Array.from({ length: 30 }, (_, i) => sampleEvent('user_logout', `user-${i % 7}`))
  await produceEvents(serde, topic, events)
  const handled: string[] = []
  const handler = async (event: UserEvent) => {
    handled.push(event.event_id)
    return { success: true, message: 'ok' }
  }
  const first = consumerFor(topic, { groupId })
  first.registerHandler('user_logout', handler)
  await first.start()
  await eventually(
    () => handled.length,
    (n) => n === events.length,
  )
  await first.stop({ timeoutMs: 5_000 })
  assert.equal(first.health().live, false)
  const second = consumerFor(topic, { groupId })
  second.registerHandler('user_logout', handler)
  await second.start()
  const ready = await eventually(
    () => second.health().ready,
    (isReady) => isReady,
  )
  assert.equal(ready, true, 'the restarted member became ready')
  // A marker on every partition, produced after the restart: once the second member has handled each one, it
  // has read past everything the first member handled, so any redelivery would already be in `handled`.
  const producer = new KafkaProducer({ clientId: 'consumer-tests' })
  const markers = Array.from({ length: 12 }, (_, i) => sampleEvent('user_logout', `marker-${i}`))
  const positions = await producer.send(
    await Promise.all(markers.map(async (m) => ({ topic, key: m.user_id, value: await serde.encode(m) }))),
  )
  await producer.close()
  assert.deepEqual([...new Set(positions.map((p) => p.partition))].sort(), [0, 1, 2], 'a marker on every partition')
  const markerIds = new Set(markers.map((m) => m.event_id))
  await eventually(
    () => handled.filter((id) => markerIds.has(id)).length,
    (n) => n === markers.length,
  )
  assert.equal(handled.length, events.length + markers.length, 'nothing was handled twice')
  assert.equal(new Set(handled).size, handled.length)
})
