// KafkaInspector against the real broker: layout, offsets by time, configs, sizes, groups and their offsets.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, uniqueName } from '../../../../test/support/index.ts'
import { KafkaInspector, KafkaProducer, partitionOfKey } from '../../src/kafka/index.ts'

const inspector = new KafkaInspector({ clientId: 'inspect-test' })
const producer = new KafkaProducer({ clientId: 'inspect-test' })
after(() => Promise.all([inspector.close(), producer.close()]))

test('layout, offsets by time (before 1970: the earliest), configs and sizes; a missing topic is absent', async () => {
  const topic = await createTestTopic('inspect', 2)
  const base = Date.now() - 10_000
  await producer.send(
    Array.from({ length: 10 }, (_, i) => ({
      topic,
      partition: 0,
      value: Buffer.from(String(i)),
      timestamp: BigInt(base + i * 1000),
    })),
  )
  const cluster = await inspector.cluster([topic, 'no.such.topic.anywhere'])
  assert.equal(cluster.topics.get(topic)?.length, 2)
  assert.equal(cluster.topics.has('no.such.topic.anywhere'), false)
  assert.ok(cluster.brokers.length >= 1)
  const asked = [{ topic, partitions: [0, 1] }]
  const at = async (timestamp: bigint) => (await inspector.offsetsAt(asked, timestamp)).get(topic)?.get(0)
  assert.equal(await at(-2n), 0n)
  assert.equal(await at(-1n), 10n)
  assert.equal(await at(BigInt(base + 4500)), 5n)
  assert.equal(await at(BigInt(base + 60_000)), 10n, 'after the last record: the log end')
  assert.equal(await at(-62_167_219_200_000n), 0n, 'year 0: the earliest, not a broker error')
  const { configs } = await inspector.topicConfigs(topic)
  assert.ok('cleanup.policy' in configs)
  const sizes = await inspector.partitionSizes(new Map([[topic, cluster.topics.get(topic) ?? []]]))
  assert.ok((sizes.get(`${topic}/0`) ?? 0) > 0)
})

test('groups: committed offsets written and read back; the key partitioner matches the producer', async () => {
  const topic = await createTestTopic('inspect-groups', 3)
  const group = uniqueName('inspect-group')
  await inspector.alterGroupOffsets(group, topic, [{ partition: 1, offset: 0n }])
  assert.deepEqual((await inspector.committedOffsets([group])).get(group), [{ topic, partition: 1, offset: 0n }])
  assert.ok((await inspector.groups()).some((g) => g.id === group))
  const [described] = await inspector.describeGroups([group])
  assert.equal(described?.members.length, 0)
  for (const key of ['user-1', 'user-2', 'ü', '']) {
    const [position] = await producer.send([{ topic, key, value: Buffer.from('x') }])
    assert.equal(position?.partition, partitionOfKey(key, 3), key)
  }
})
