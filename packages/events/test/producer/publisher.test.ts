import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { propagation, type TextMapPropagator } from '@opentelemetry/api'
import { Registry } from 'prom-client'
import { createTestTopic, deleteSubjectsAfter, readAll } from '../../../../test/support/index.ts'
import { USER_EVENT_TYPES, type UserEvent } from '../../src/catalog/index.ts'
import type { GrimError } from '../../src/errors.ts'
import { EventPublisher } from '../../src/producer/index.ts'
import { partitionHash } from '../../src/producer/partition.ts'
import { SpillFile } from '../../src/producer/spill.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

const topic = await createTestTopic('publisher', 3)
const serde = new EventSerde({ topic })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))
const spillDir = mkdtempSync(join(tmpdir(), 'grimos-spill-'))
const metrics = new Registry()
const publisher = new EventPublisher({
  topic,
  clientId: 'publisher-test',
  spillFile: join(spillDir, 'ok.ndjson'),
  metricsRegistry: metrics,
})
after(() => publisher.close())

// Proves trace context goes through the OpenTelemetry API: a stand-in propagator writes a fixed traceparent.
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const fixedPropagator: TextMapPropagator = {
  inject: (_context, carrier, setter) => setter.set(carrier, 'traceparent', traceparent),
  extract: (ctx) => ctx,
  fields: () => ['traceparent'],
}

test('each of the seven event types round-trips: publish, raw consume, decode, equal to the input', async () => {
  propagation.setGlobalPropagator(fixedPropagator)
  after(() => propagation.disable())
  const sent = new Map<string, { eventType: string; position: { partition: number; offset: bigint } }>()
  for (const eventType of USER_EVENT_TYPES) {
    const result = await publisher.publish(validInputs[eventType])
    assert.equal(result.topic, topic)
    sent.set(result.eventId, { eventType, position: { partition: result.partition, offset: result.offset } })
  }
  // Only this test's records: the topic is shared by the file's tests, whichever order they run in.
  const records = (await readAll(topic)).filter((r) => sent.has(r.headers.get('event_id')?.toString() ?? ''))
  assert.equal(records.length, USER_EVENT_TYPES.length, 'each event arrived once')
  for (const record of records) {
    const event = await serde.decode(record.value!)
    const expected = sent.get(event.event_id)
    assert.ok(expected, `an event we sent: ${event.event_id}`)
    assert.deepEqual({ partition: record.partition, offset: record.offset }, expected.position)
    const input = validInputs[event.event_type]
    assert.equal(event.event_type, expected.eventType)
    assert.equal(event.user_id, input.userId)
    assert.deepEqual(event.data, { id: input.userId, ...nullsFilled(event, input.userData) })
    assert.equal(record.key?.toString(), input.userId, 'keyed by user_id')
    assert.equal(record.partition, partitionHash(Buffer.from(input.userId)) % 3, "the Java client's partition")
    assert.equal(record.headers.get('event_type')?.toString(), event.event_type)
    assert.equal(record.headers.get('event_id')?.toString(), event.event_id)
    assert.equal(record.headers.get('content-type')?.toString(), 'application/vnd.confluent.avro')
    assert.equal(record.headers.get('traceparent')?.toString(), traceparent)
  }
})

function nullsFilled(event: UserEvent, input: object): object {
  // Nullable fields left out of the input are sent as null.
  return Object.fromEntries(
    Object.keys(event.data)
      .filter((k) => k !== 'id')
      .map((k) => [k, (input as Record<string, unknown>)[k] ?? null]),
  )
}

test('without an OpenTelemetry SDK no traceparent is written', async () => {
  propagation.disable()
  const { eventId } = await publisher.publish(validInputs.user_logout)
  const record = (await readAll(topic)).find((r) => r.headers.get('event_id')?.toString() === eventId)
  assert.ok(record)
  assert.equal(record.headers.has('traceparent'), false)
  // The case under test really is "no SDK": no propagator is installed that could have written one.
  assert.deepEqual(propagation.fields(), [])
})

test('an invalid event is refused before Kafka with a typed error naming the field and rule', async () => {
  const before = (await readAll(topic)).length
  const bad = {
    ...validInputs.user_registered,
    userData: { ...validInputs.user_registered.userData, email: 'not-an-email' },
  }
  await assert.rejects(publisher.publish(bad), (error: GrimError) => {
    assert.equal(error.code, 'GRIM_EVENT_INVALID')
    assert.match(error.message, /data\.email/)
    return true
  })
  assert.throws(() => publisher.publishInBackground(bad), { code: 'GRIM_EVENT_INVALID' })
  assert.equal((await readAll(topic)).length, before, 'nothing reached Kafka')
  const text = await metrics.metrics()
  assert.match(text, /grimos_events_published_total\{event_type="user_registered",mode="sync",outcome="invalid"\} 1/)
})

test('background publishing returns at once and flush delivers every event in order per user', async () => {
  const before = (await readAll(topic)).length
  const ids: string[] = []
  for (let i = 0; i < 200; i++) ids.push(publisher.publishInBackground(validInputs.user_login).eventId)
  await publisher.flush(10_000)
  const records = (await readAll(topic)).slice(before)
  const got = records.map((r) => r.headers.get('event_id')?.toString())
  // One user: one partition, so Kafka order must equal call order.
  assert.deepEqual(got, ids)
  assert.match(await metrics.metrics(), /grimos_background_queue_depth 0/)
})

test('a full queue rejects with GRIM_QUEUE_FULL; nothing is dropped silently', async () => {
  const tiny = new EventPublisher({
    topic,
    clientId: 'publisher-test-tiny',
    queue: { capacity: 2, overflow: 'reject', batchSize: 10 },
    spillFile: join(spillDir, 'tiny.ndjson'),
    metricsRegistry: new Registry(),
  })
  after(() => tiny.close())
  const before = (await readAll(topic)).length
  const accepted = [
    tiny.publishInBackground(validInputs.user_logout).eventId,
    tiny.publishInBackground(validInputs.user_logout).eventId,
  ]
  assert.throws(() => tiny.publishInBackground(validInputs.user_logout), { code: 'GRIM_QUEUE_FULL' })
  await tiny.flush(10_000)
  // Every event the queue accepted arrived, and only those: the refused one was refused loudly, not queued.
  const arrived = (await readAll(topic)).slice(before).map((r) => r.headers.get('event_id')?.toString())
  assert.deepEqual(arrived, accepted)
})

test('when every retry fails, background events are reported and spilled, then re-sent on the next start', async () => {
  const spillFile = join(spillDir, 'down.ndjson')
  const failures: string[] = []
  const down = new EventPublisher({
    topic,
    clientId: 'publisher-test-down',
    bootstrapBrokers: ['127.0.0.1:1'],
    requestTimeoutMs: 200,
    deadlineMs: 500,
    ensureTopic: false,
    spillFile,
    metricsRegistry: new Registry(),
    serde,
    onBackgroundFailure: (event, error) => failures.push(`${event.event_id}:${error.code}`),
  })
  const { eventId } = down.publishInBackground(validInputs.user_password_changed)
  await down.flush(20_000)
  await down.close()
  assert.deepEqual(failures, [`${eventId}:GRIM_PUBLISH_FAILED`])
  assert.equal(await new SpillFile(spillFile).count(), 1)

  // The next publisher re-sends the spilled event before anything newer.
  const back = new EventPublisher({
    topic,
    clientId: 'publisher-test-back',
    spillFile,
    metricsRegistry: new Registry(),
  })
  const { eventId: newer } = back.publishInBackground(validInputs.user_password_changed)
  await back.flush(20_000)
  await back.close()
  assert.equal(await new SpillFile(spillFile).count(), 0)
  const ids = (await readAll(topic)).map((r) => r.headers.get('event_id')?.toString())
  assert.deepEqual(
    ids.filter((id) => id === eventId || id === newer),
    [eventId, newer],
    'the spilled event reached Kafka once, ahead of the newer one',
  )
})

test('a closed publisher refuses with GRIM_CLOSED', async () => {
  const closed = new EventPublisher({ topic, clientId: 'publisher-test-closed', metricsRegistry: new Registry() })
  await closed.close()
  await assert.rejects(closed.publish(validInputs.user_logout), { code: 'GRIM_CLOSED' })
})
