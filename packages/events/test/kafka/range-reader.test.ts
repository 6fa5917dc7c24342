import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic } from '../../../../test/support/index.ts'
import { KafkaAdmin, KafkaProducer, KafkaRangeReader } from '../../src/kafka/index.ts'

test('KafkaRangeReader reads exact offset ranges, in order, and stops at `until` without waiting', async () => {
  const topic = await createTestTopic('range-reader', 2)
  const producer = new KafkaProducer({ clientId: 'range-reader-test' })
  const admin = new KafkaAdmin({ clientId: 'range-reader-test' })
  const reader = new KafkaRangeReader({ clientId: 'range-reader-test' })
  after(() => Promise.all([producer.close(), admin.close(), reader.close()]))
  await producer.send(
    Array.from({ length: 30 }, (_, n) => ({
      topic,
      partition: n % 2,
      key: `k${n}`,
      value: Buffer.from(String(n)),
      headers: { n: String(n) },
    })),
  )
  const offsets = await admin.partitionOffsets(topic)
  assert.deepEqual(
    offsets.map((p) => p.high),
    [15n, 15n],
  )

  const all = []
  for await (const record of reader.read(
    topic,
    offsets.map((p) => ({ partition: p.partition, from: p.low, until: p.high })),
  ))
    all.push(record)
  assert.equal(all.length, 30)
  assert.deepEqual(
    all.slice(0, 15).map((r) => r.offset),
    Array.from({ length: 15 }, (_, i) => BigInt(i)),
  )
  assert.equal(all[0]?.headers.get('n')?.toString(), '0')
  assert.equal(all[15]?.partition, 1)

  const middle = []
  for await (const record of reader.read(topic, [{ partition: 1, from: 5n, until: 8n }])) middle.push(record)
  assert.deepEqual(
    middle.map((r) => r.value?.toString()),
    ['11', '13', '15'],
  )

  const started = Date.now()
  const beyond = []
  for await (const record of reader.read(topic, [{ partition: 0, from: 15n, until: 15n }])) beyond.push(record)
  assert.deepEqual(beyond, [])
  assert.ok(Date.now() - started < 1000, 'an empty range returns at once')
})

test('KafkaRangeReader: nothing to read asks the broker nothing, so a missing topic is no error', async () => {
  const reader = new KafkaRangeReader({ clientId: 'range-reader-test', maxBytesPerFetch: 64 * 1024 * 1024 })
  after(() => reader.close())
  const read = []
  for await (const record of reader.read('no.such.topic.anywhere', [])) read.push(record)
  for await (const record of reader.read('no.such.topic.anywhere', [{ partition: 0, from: 5n, until: 5n }]))
    read.push(record)
  assert.deepEqual(read, [])
})
