import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, uniqueName } from '../../../../test/support/index.ts'
import { KafkaAdmin, KafkaGroupConsumer, KafkaProducer } from '../../src/kafka/index.ts'

test('10,000 records produced with acks=all come back in order per partition, with manual commits', async () => {
  const topic = await createTestTopic('smoke', 3)
  const producer = new KafkaProducer({ clientId: 'smoke-producer' })
  const total = 10_000
  const keys = 50
  // Batches of 500 keep the test quick without relying on the client's own batching.
  for (let start = 0; start < total; start += 500) {
    const batch = Array.from({ length: 500 }, (_, i) => {
      const n = start + i
      return { topic, key: `key-${n % keys}`, value: Buffer.from(String(n)), headers: { seq: String(n) } }
    })
    const positions = await producer.send(batch)
    assert.ok(positions.length > 0, 'the broker acknowledged the batch')
  }
  await producer.close()

  const groupId = uniqueName('smoke-group')
  const consumer = new KafkaGroupConsumer({ clientId: 'smoke-consumer', groupId })
  const lastSeqByKey = new Map<string, number>()
  const lastOffsetByPartition = new Map<number, bigint>()
  let received = 0
  after(() => consumer.close())
  const stream = await consumer.subscribe([topic])
  for await (const record of stream) {
    const seq = Number(record.value!.toString())
    const key = record.key!.toString()
    assert.equal(record.headers.get('seq')?.toString(), String(seq))
    const previousOffset = lastOffsetByPartition.get(record.partition)
    if (previousOffset !== undefined) assert.ok(record.offset > previousOffset, 'offsets increase within a partition')
    lastOffsetByPartition.set(record.partition, record.offset)
    // One key lives on one partition, so its sequence numbers must arrive in the order they were sent.
    assert.ok(seq > (lastSeqByKey.get(key) ?? -1), `key ${key}: ${seq} arrived after ${lastSeqByKey.get(key)}`)
    lastSeqByKey.set(key, seq)
    received++
    if (received % 1000 === 0 || received === total) {
      await consumer.commit(
        [...lastOffsetByPartition].map(([partition, offset]) => ({
          topic,
          partition,
          offset: offset + 1n,
          leaderEpoch: -1,
        })),
      )
    }
    if (received === total) break
  }
  assert.equal(received, total)

  const committed = await consumer.committed(topic, [0, 1, 2])

  const admin = new KafkaAdmin()
  const offsets = await admin.partitionOffsets(topic)
  await admin.close()
  assert.equal(
    offsets.reduce((sum, p) => sum + Number(p.high - p.low), 0),
    total,
  )
  assert.deepEqual(
    committed,
    offsets.map((p) => p.high),
    'every record was committed: the group has no lag',
  )
})
