// Crafted records through the real consumer: each goes to the DLQ on its first attempt with a typed error, and
// the good events around them, on the same key and on others, are handled in order. A length bomb used to kill
// the process ("JavaScript heap out of memory") before any offset was committed.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { rawVarint, varintFields, zigzag } from '../../../../test/fuzz/mutations.ts'
import { createTestTopic, eventually } from '../../../../test/support/index.ts'
import { avroTypeFor, type UserEvent } from '../../src/catalog/index.ts'
import { DLQ_HEADERS } from '../../src/dlq/headers.ts'
import { KafkaAdmin, KafkaProducer } from '../../src/kafka/index.ts'
import { consumerFor, header, produceEvents, readTopic, sampleEvent, testSerde } from './helpers.ts'

const serde = testSerde({ maxRecordBytes: 4096 })

/** The framed record of `event` with its `nth` length/count/index varint replaced by `replacement`. */
async function withField(event: UserEvent, kind: string, nth: number, replacement: Buffer): Promise<Buffer> {
  const framed = await serde.encode(event)
  const fields = varintFields(avroTypeFor(event.event_type), framed.subarray(5)).filter((f) => f.kind === kind)
  const field = fields[nth]
  assert.ok(field, `${event.event_type} has a ${kind} field #${nth}`)
  return Buffer.concat([framed.subarray(0, field.start + 5), replacement, framed.subarray(field.end + 5)])
}

test('length bombs, bad indexes, unknown ids and oversized records go to the DLQ; the partition keeps flowing', async () => {
  const topic = await createTestTopic('consumer-hostile', 1, ['.retry', '.dlq'])
  const registered = sampleEvent('user_registered', 'user-a')
  // Count fields of user_registered: data.roles is the only array, so its first block count is count #0.
  const hostile: [string, Buffer][] = [
    ['roles claims 2^31 items', await withField(registered, 'count', 0, rawVarint(zigzag(2n ** 31n)))],
    ['roles claims 2^63 items', await withField(registered, 'count', 0, rawVarint(2n ** 63n))],
    ['event_id claims 2^62 bytes', await withField(registered, 'length', 0, rawVarint(zigzag(2n ** 62n)))],
    ['an 11-byte varint', await withField(registered, 'length', 1, rawVarint(zigzag(1n), 11))],
    ['union index 7', await withField(registered, 'index', 0, rawVarint(zigzag(7n)))],
    ['negative length', await withField(registered, 'length', 2, rawVarint(zigzag(-1n)))],
    ['unknown schema id', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4, 6])],
    ['wrong magic byte', Buffer.concat([Buffer.from([1]), (await serde.encode(registered)).subarray(1)])],
    ['larger than maxRecordBytes', Buffer.concat([await serde.encode(registered), Buffer.alloc(5000)])],
  ]
  const good = [
    sampleEvent('user_login', 'user-a'),
    sampleEvent('user_logout', 'user-a'),
    sampleEvent('user_login', 'user-b'),
  ]
  const consumer = consumerFor(serde, topic)
  const handled: string[] = []
  for (const eventType of ['user_login', 'user_logout'] as const)
    consumer.registerHandler(eventType, async (event) => {
      handled.push(event.event_id)
      return { success: true, message: 'ok' }
    })
  await produceEvents(serde, topic, [good[0] as UserEvent])
  const producer = new KafkaProducer({ clientId: 'consumer-hostile-tests' })
  try {
    await producer.send(hostile.map(([, value]) => ({ topic, key: 'user-a', value })))
  } finally {
    await producer.close()
  }
  await produceEvents(serde, topic, good.slice(1))
  await consumer.start()
  await eventually(
    () => handled.length,
    (n) => n === good.length,
    30_000,
  )
  // Keys are handled concurrently; order holds per key.
  const ids = (userId: string) => good.filter((event) => event.user_id === userId).map((event) => event.event_id)
  assert.deepEqual(
    handled.filter((id) => ids('user-a').includes(id)),
    ids('user-a'),
  )
  assert.deepEqual(
    handled.filter((id) => ids('user-b').includes(id)),
    ids('user-b'),
  )
  const dlq = await eventually(
    () => readTopic(`${topic}.dlq`),
    (records) => records.length === hostile.length,
    30_000,
  )
  assert.equal(dlq.length, hostile.length)
  for (const [i, record] of dlq.entries()) {
    const [name, value] = hostile[i] as [string, Buffer]
    assert.deepEqual(record.value, value, `${name}: the DLQ keeps the bytes as they came`)
    const expected = name === 'unknown schema id' ? 'GRIM_SCHEMA_NOT_FOUND' : 'GRIM_DECODE_FAILED'
    assert.equal(
      header(record, DLQ_HEADERS.errorClass),
      expected,
      `${name}: ${header(record, DLQ_HEADERS.errorMessage)}`,
    )
    assert.equal(header(record, DLQ_HEADERS.attempts), '1', `${name}: dead-lettered on its first attempt`)
  }
})

test('a key moves on while its undecodable record is still being dead-lettered; a handled event waits for its own', async () => {
  const topic = await createTestTopic('consumer-aside', 1, ['.retry', '.dlq'])
  const written: string[] = []
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const sink = {
    async deadLetter(source: { value: Buffer | undefined }) {
      await held
      written.push(source.value?.toString('hex') ?? '')
      return { topic: `${topic}.dlq`, partition: 0, offset: BigInt(written.length - 1) }
    },
    close: async () => undefined,
  }
  const consumer = consumerFor(serde, topic, { deadLetters: sink as never })
  const handled: string[] = []
  consumer.registerHandler('user_login', async (event) => {
    handled.push(event.event_id)
    return { success: true, message: 'ok' }
  })
  const next = sampleEvent('user_login', 'user-a')
  const producer = new KafkaProducer({ clientId: 'consumer-aside-tests' })
  try {
    await producer.send([{ topic, key: 'user-a', value: Buffer.from([0, 0, 0, 0, 1, 0xff]) }])
  } finally {
    await producer.close()
  }
  await produceEvents(serde, topic, [next])
  await consumer.start()
  await eventually(
    () => handled.length,
    (n) => n === 1,
  )
  assert.deepEqual(handled, [next.event_id], 'the next event of the key ran while the DLQ write was held')
  assert.equal(written.length, 0)
  assert.equal(consumer.health().details.bufferedRecords, 1, 'the poison record is still unfinished')
  release()
  await eventually(
    () => written.length,
    (n) => n === 1,
  )
  await eventually(
    () => consumer.health().details.bufferedRecords,
    (n) => n === 0,
  )
})

test('start creates the DLQ topic, so the first dead letter does not wait for it while the records behind pile up', async () => {
  const topic = await createTestTopic('consumer-dlq-ready', 1, ['.retry', '.dlq'])
  const consumer = consumerFor(serde, topic)
  await consumer.start()
  const admin = new KafkaAdmin({ clientId: 'consumer-dlq-ready' })
  after(() => admin.close())
  assert.ok((await admin.listTopics()).includes(`${topic}.dlq`), 'the DLQ topic exists before any record was read')
})
