// The consumer's dead-letter paths other than "retries exhausted" and "undecodable bytes" (runner.test.ts), and
// the per-consumer and per-handler options that change how events reach handlers: per-handler retry, dedupe off,
// and the concurrency limit. Real broker and registry.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Registry } from 'prom-client'
import { createTestTopic, eventually } from '../../../../test/support/index.ts'
import { avroTypeFor, type UserEvent } from '../../src/catalog/index.ts'
import { DLQ_HEADERS } from '../../src/dlq/headers.ts'
import { type IncomingRecord, KafkaProducer } from '../../src/kafka/index.ts'
import { frame } from '../../src/serde/wire.ts'
import {
  consumerFor,
  freshRegistry,
  groupCaughtUp,
  header,
  produceEvents,
  readTopic,
  sampleEvent,
  testSerde,
} from './helpers.ts'

const serde = testSerde()
const ok = { success: true, message: 'ok' }

const dlqWrites = async (registry: Registry, reason: string) =>
  (await registry.getSingleMetric('grimos_consumer_dlq_writes_total')?.get())?.values.find(
    (v) => v.labels.reason === reason,
  )?.value ?? 0

const dlqOf = (topic: string, count = 1) =>
  eventually(
    () => readTopic(`${topic}.dlq`),
    (records) => records.length >= count,
    20_000,
  )

const eventIdOf = async (record: IncomingRecord) => (await serde.decode(record.value!)).event_id

test('an event type with no handler is dead-lettered at once, and its key moves on', async () => {
  const topic = await createTestTopic('consumer-unhandled', 1, ['.retry', '.dlq'])
  const metrics = freshRegistry()
  const consumer = consumerFor(serde, topic, { metricsRegistry: metrics })
  const handled: string[] = []
  consumer.registerHandler('user_login', async (event) => {
    handled.push(event.event_id)
    return ok
  })
  const orphan = sampleEvent('user_deleted', 'user-a')
  const next = sampleEvent('user_login', 'user-a')
  await produceEvents(serde, topic, [orphan, next])
  await consumer.start()
  const [record] = await dlqOf(topic)
  assert.ok(record)
  assert.equal(await eventIdOf(record), orphan.event_id)
  assert.equal(header(record, DLQ_HEADERS.errorClass), 'GRIM_HANDLER_MISSING')
  assert.equal(header(record, DLQ_HEADERS.attempts), '1', 'not retried: no handler will appear')
  await eventually(
    () => handled,
    (ids) => ids.length === 1,
  )
  assert.deepEqual(handled, [next.event_id])
  assert.equal(await dlqWrites(metrics, 'unhandled'), 1)
})

test('a failure that says retryable: false is dead-lettered after its one attempt', async () => {
  const topic = await createTestTopic('consumer-not-retryable', 1, ['.retry', '.dlq'])
  const metrics = freshRegistry()
  const consumer = consumerFor(serde, topic, {
    metricsRegistry: metrics,
    retry: { initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, jitter: 0, maxAttempts: 5 },
  })
  let calls = 0
  consumer.registerHandler('user_updated', async () => {
    calls++
    return { success: false, message: 'the user no longer exists', retryable: false }
  })
  const event = sampleEvent('user_updated')
  await produceEvents(serde, topic, [event])
  await consumer.start()
  const [record] = await dlqOf(topic)
  assert.ok(record)
  assert.equal(await eventIdOf(record), event.event_id)
  assert.equal(header(record, DLQ_HEADERS.errorClass), 'GRIM_HANDLER_FAILED')
  assert.match(header(record, DLQ_HEADERS.errorMessage) ?? '', /no longer exists/)
  assert.equal(header(record, DLQ_HEADERS.attempts), '1')
  assert.equal(calls, 1, 'five attempts were allowed, one was made')
  assert.equal(await dlqWrites(metrics, 'not_retryable'), 1)
  assert.equal((await readTopic(`${topic}.retry`)).length, 0, 'nothing went through the retry topic')
})

test('a decodable event that fails validation is dead-lettered without reaching its handler', async () => {
  const topic = await createTestTopic('consumer-invalid', 1, ['.retry', '.dlq'])
  const metrics = freshRegistry()
  const consumer = consumerFor(serde, topic, { metricsRegistry: metrics })
  const handled: string[] = []
  consumer.registerHandler('user_login', async (event) => {
    handled.push(event.event_id)
    return ok
  })
  // Well-formed Avro under the registered schema (any string is an Avro string), but not a valid event: the
  // catalog's own encoder refuses it, so it is written by hand, as a foreign or older producer might.
  const valid = sampleEvent('user_login', 'user-a')
  const invalid = { ...valid, user_id: 'user-b', data: { ...valid.data, email: 'not-an-email' } }
  const schemaId = await serde.schemaIdFor('user_login')
  const bytes = frame(schemaId, avroTypeFor('user_login').toBuffer(invalid))
  const after = sampleEvent('user_login', 'user-b')
  const producer = new KafkaProducer({ clientId: 'consumer-tests' })
  await producer.send([{ topic, key: 'user-b', value: bytes }])
  await producer.close()
  await produceEvents(serde, topic, [after])
  await consumer.start()
  const [record] = await dlqOf(topic)
  assert.ok(record)
  assert.deepEqual(record.value, bytes, 'the record is kept as it came')
  assert.equal(header(record, DLQ_HEADERS.errorClass), 'GRIM_EVENT_INVALID')
  assert.match(header(record, DLQ_HEADERS.errorMessage) ?? '', /email/)
  assert.equal(header(record, DLQ_HEADERS.attempts), '1')
  await eventually(
    () => handled,
    (ids) => ids.length === 1,
  )
  assert.deepEqual(handled, [after.event_id], 'only the valid event reached the handler')
  assert.equal(await dlqWrites(metrics, 'invalid'), 1)
})

test("a handler's own retry options override the consumer's, field by field, for its event type only", async () => {
  const topic = await createTestTopic('consumer-handler-retry', 1, ['.retry', '.dlq'])
  const consumer = consumerFor(serde, topic, {
    retry: { initialDelayMs: 10, multiplier: 2, maxDelayMs: 1_000, jitter: 0, maxAttempts: 4 },
  })
  const calls = { user_updated: [] as number[], user_login: [] as number[] }
  consumer.registerHandler(
    'user_updated',
    async () => {
      calls.user_updated.push(Date.now())
      return { success: false, message: 'no' }
    },
    { retry: { maxAttempts: 2, initialDelayMs: 300 } },
  )
  consumer.registerHandler('user_login', async () => {
    calls.user_login.push(Date.now())
    return { success: false, message: 'no' }
  })
  await produceEvents(serde, topic, [sampleEvent('user_updated', 'user-a'), sampleEvent('user_login', 'user-b')])
  await consumer.start()
  const dlq = await dlqOf(topic, 2)
  const attemptsByType = Object.fromEntries(
    await Promise.all(
      dlq.map(async (r) => [(await serde.decode(r.value!)).event_type, header(r, DLQ_HEADERS.attempts)]),
    ),
  )
  assert.deepEqual(attemptsByType, { user_updated: '2', user_login: '4' })
  assert.equal(calls.user_updated.length, 2)
  assert.equal(calls.user_login.length, 4)
  // The handler's initialDelayMs (300) applies to its retry; the consumer's (10) still applies to user_login.
  const gap = (calls.user_updated[1] ?? 0) - (calls.user_updated[0] ?? 0)
  assert.ok(gap >= 290, `user_updated waited ${gap} ms before its retry`)
  const loginGap = (calls.user_login[1] ?? 0) - (calls.user_login[0] ?? 0)
  assert.ok(loginGap < 250, `user_login waited ${loginGap} ms before its retry`)
})

test('dedupe: false hands a redelivered event to its handler again; the default store does not', async () => {
  const topic = await createTestTopic('consumer-dedupe-off', 1, ['.retry', '.dlq'])
  const event = sampleEvent('user_logout')
  // The same event twice, as a producer retry or an outbox re-send delivers it.
  await produceEvents(serde, topic, [event, event])
  const count = async (options: { dedupe?: false }) => {
    const consumer = consumerFor(serde, topic, options)
    const handled: string[] = []
    consumer.registerHandler('user_logout', async (e: UserEvent) => {
      handled.push(e.event_id)
      return ok
    })
    await consumer.start()
    // Both records are behind the group's commit: nothing more can come.
    assert.equal(await eventually(() => groupCaughtUp(consumer.groupId, [topic]), Boolean), true)
    await consumer.stop()
    return handled
  }
  assert.deepEqual(await count({}), [event.event_id])
  assert.deepEqual(await count({ dedupe: false }), [event.event_id, event.event_id])
})

test('concurrency caps the handlers running at once, across keys', async () => {
  const topic = await createTestTopic('consumer-concurrency', 1, ['.retry', '.dlq'])
  const consumer = consumerFor(serde, topic, { concurrency: 2 })
  let running = 0
  let most = 0
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const done: string[] = []
  consumer.registerHandler('user_login', async (event) => {
    running++
    most = Math.max(most, running)
    await gate
    running--
    done.push(event.event_id)
    return ok
  })
  // Six keys: per-key order never holds them back, only the limit does.
  const events = Array.from({ length: 6 }, (_, i) => sampleEvent('user_login', `user-${i}`))
  await produceEvents(serde, topic, events)
  await consumer.start()
  // Every record fetched and waiting, two of them in handlers: the other four wait for a slot.
  await eventually(
    () => consumer.health().details,
    (d) => d.inFlightHandlers === 2 && d.bufferedRecords === events.length,
  )
  assert.equal(running, 2)
  release()
  await eventually(
    () => done.length,
    (n) => n === events.length,
  )
  assert.equal(most, 2, 'never more than two at once')
})
