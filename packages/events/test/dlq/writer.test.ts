import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestTopic } from '../../../../test/support/index.ts'
import { DeadLetterQueue, DeadLetterWriter, DLQ_HEADERS, deadLetterTopicOf } from '../../src/dlq/index.ts'
import { GrimError } from '../../src/errors.ts'
import { KafkaAdmin } from '../../src/kafka/index.ts'
import { eventValue, jsonDecoder, pause, readRange, seedDeadLetters } from './seed.ts'

// Created at the top level: createTestTopic's clean-up then runs when the file ends, not after a hook.
const topic = await createTestTopic('dlq-writer', 3, ['.dlq', '.dlq.status'])
let queue: DeadLetterQueue
let between: Date

before(async () => {
  await seedDeadLetters(topic, [
    {
      key: 'user-1',
      value: eventValue('user_registered', 'e-1'),
      headers: { event_type: 'user_registered', event_id: 'e-1', 'x-tenant': 'acme' },
      error: new GrimError('GRIM_HANDLER_FAILED', 'welcome mail failed'),
    },
  ])
  // A gap on the clock so a time range can tell the first record from the others.
  await pause(50)
  between = new Date()
  await pause(50)
  await seedDeadLetters(topic, [
    {
      key: 'user-2',
      value: eventValue('user_login', 'e-2'),
      headers: { event_type: 'user_login', event_id: 'e-2' },
      error: new TypeError('cannot read properties of undefined'),
    },
    {
      key: 'user-3',
      value: Buffer.from('not an event'),
      headers: { event_type: 'user_deleted', event_id: 'e-3' },
      error: new GrimError('GRIM_DECODE_FAILED', 'unknown magic byte'),
    },
  ])
  queue = new DeadLetterQueue({ sourceTopic: topic, decoder: jsonDecoder, connection: { clientId: 'dlq-test' } })
})

after(() => queue?.close())

test('the writer creates <topic>.dlq with the source partition count and keeps key, value and headers', async () => {
  const admin = new KafkaAdmin({ clientId: 'dlq-test-admin' })
  after(() => admin.close())
  assert.equal((await admin.partitionOffsets(deadLetterTopicOf(topic))).length, 3)
  const { records } = await queue.list()
  assert.equal(records.length, 3)
  const first = records.find((r) => r.key === 'user-1')
  assert.ok(first, 'user-1 is listed')
  assert.equal(first.topic, `${topic}.dlq`)
  assert.equal(first.headers['x-tenant'], 'acme')
  assert.equal(first.headers[DLQ_HEADERS.consumerGroup], 'test-group')
  assert.equal(first.info.format, 'grimos')
  assert.equal(first.info.originalTopic, topic)
  assert.equal(first.info.errorClass, 'GRIM_HANDLER_FAILED')
  assert.equal(first.info.errorMessage, 'welcome mail failed')
  assert.equal(first.info.attempts, 3)
  assert.equal(first.eventType, 'user_registered')
  assert.equal(first.eventId, 'e-1')
  assert.deepEqual(first.decoded, { event_type: 'user_registered', event_id: 'e-1', user_id: 'u' })
  assert.equal(first.status, 'pending')
  assert.equal(first.replayCount, 0)
})

test('an undecodable record is listed with its decode error and its type from the headers', async () => {
  const { records } = await queue.list({ key: 'user-3' })
  assert.equal(records.length, 1)
  assert.equal(records[0]?.decoded, undefined)
  assert.match(records[0]?.decodeError ?? '', /JSON/)
  assert.equal(records[0]?.eventType, 'user_deleted')
})

test('list filters by event type, error class, key and time range', async () => {
  const keysOf = async (filter: Parameters<DeadLetterQueue['list']>[0]) =>
    (await queue.list(filter)).records.map((r) => r.key).sort()
  assert.deepEqual(await keysOf({ eventType: 'user_login' }), ['user-2'])
  assert.deepEqual(await keysOf({ errorClass: 'GRIM_DECODE_FAILED' }), ['user-3'])
  assert.deepEqual(await keysOf({ errorClass: 'TypeError' }), ['user-2'])
  assert.deepEqual(await keysOf({ key: 'user-1' }), ['user-1'])
  assert.deepEqual(await keysOf({ from: between }), ['user-2', 'user-3'])
  assert.deepEqual(await keysOf({ to: between }), ['user-1'])
  assert.deepEqual(await keysOf({ eventType: 'user_login', errorClass: 'GRIM_DECODE_FAILED' }), [])
  assert.deepEqual(await keysOf({ status: 'replayed' }), [])
})

test('list pages with a cursor: every record exactly once', async () => {
  const seen: string[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await queue.list({ limit: 2, cursor })
    assert.ok(page.records.length <= 2)
    seen.push(...page.records.map((r) => r.key ?? '?'))
    cursor = page.nextCursor
    pages++
  } while (cursor && pages < 10)
  assert.deepEqual(seen.sort(), ['user-1', 'user-2', 'user-3'])
  assert.ok(pages >= 2, 'a limit of 2 over 3 records needs a second page')
  await assert.rejects(queue.list({ cursor: 'garbage!' }), { code: 'GRIM_INPUT_INVALID' })
})

test('inspect returns one record by position; an empty position is GRIM_DLQ_RECORD_NOT_FOUND', async () => {
  const listed = (await queue.list({ key: 'user-2' })).records[0]
  assert.ok(listed)
  const inspected = await queue.inspect(listed.position)
  assert.equal(inspected.key, 'user-2')
  assert.equal(inspected.eventId, 'e-2')
  assert.deepEqual(inspected.position, listed.position)
  await assert.rejects(queue.inspect({ partition: listed.position.partition, offset: 10_000n }), {
    code: 'GRIM_DLQ_RECORD_NOT_FOUND',
  })
  await assert.rejects(queue.inspect({ partition: 99, offset: 0n }), { code: 'GRIM_DLQ_RECORD_NOT_FOUND' })
})

test('a DLQ that was never written to lists empty', async () => {
  const empty = new DeadLetterQueue({ dlqTopic: `${topic}.never`, connection: { clientId: 'dlq-test' } })
  after(() => empty.close())
  assert.deepEqual(await empty.list({ status: 'all' }), { records: [] })
})

test('options are validated: a DLQ topic is required, maxReplays is at least 1', () => {
  assert.throws(() => new DeadLetterQueue({}), { code: 'GRIM_CONFIG_INVALID' })
  assert.throws(() => new DeadLetterQueue({ dlqTopic: 'x.dlq', maxReplays: 0 }), { code: 'GRIM_CONFIG_INVALID' })
})

test('concurrent dead letters go out in batches, in call order per key, each with its own position', async () => {
  const source = await createTestTopic('dlq-writer-batch', 3, ['.dlq'])
  const writer = new DeadLetterWriter({ connection: { clientId: 'dlq-test-batch' } })
  after(() => writer.close())
  const now = new Date()
  const failure = {
    error: new GrimError('GRIM_DECODE_FAILED', 'poison'),
    attempts: 1,
    firstFailureAt: now,
    lastFailureAt: now,
  }
  const calls = Array.from({ length: 120 }, (_, i) => {
    const key = Buffer.from(`user-${i % 4}`)
    const record = {
      topic: source,
      partition: 0,
      offset: BigInt(i),
      timestamp: 0n,
      headers: new Map(),
      key,
      value: Buffer.from(`v-${i}`),
    }
    return writer.deadLetter(record, 'batch-group', failure)
  })
  const positions = await Promise.all(calls)
  assert.equal(
    new Set(positions.map((p) => `${p.partition}:${p.offset}`)).size,
    positions.length,
    'no two share a position',
  )
  for (const [i, position] of positions.entries()) {
    const [stored] = await readRange(position.topic, position.partition, position.offset, position.offset + 1n)
    assert.equal(stored?.value?.toString(), `v-${i}`, `call ${i} resolves with the position its record landed at`)
  }
  for (let k = 0; k < 4; k++) {
    const ofKey = positions.filter((_, i) => i % 4 === k)
    assert.equal(new Set(ofKey.map((p) => p.partition)).size, 1, 'one key, one DLQ partition')
    assert.deepEqual(
      [...ofKey].sort((a, b) => Number(a.offset - b.offset)),
      ofKey,
      'call order kept per key',
    )
  }
})
