import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic } from '../../../../test/support/index.ts'
import { DeadLetterQueue, REPLAY_HEADERS } from '../../src/dlq/index.ts'
import { GrimError } from '../../src/errors.ts'
import { KafkaAdmin, KafkaProducer } from '../../src/kafka/index.ts'
import { eventValue, jsonDecoder, readRange, seedDeadLetters } from './seed.ts'

test('discard marks a record with who, why and when; list hides it unless asked for all', async () => {
  const topic = await createTestTopic('dlq-discard', 3, ['.dlq', '.dlq.status'])
  const [kept, dropped] = await seedDeadLetters(topic, [
    { key: 'user-k', value: eventValue('user_login', 'e-k'), error: new TypeError('k') },
    { key: 'user-d', value: eventValue('user_login', 'e-d'), error: new GrimError('GRIM_EVENT_INVALID', 'd') },
  ])
  assert.ok(kept && dropped)
  const events: string[] = []
  const queue = new DeadLetterQueue({
    sourceTopic: topic,
    decoder: jsonDecoder,
    observer: { onReplay: (count) => events.push(`replay:${count}`), onDiscard: () => events.push('discard') },
  })
  after(() => queue.close())
  const position = { partition: dropped.partition, offset: dropped.offset }

  await assert.rejects(queue.discard(position, '  '), { code: 'GRIM_CONFIG_INVALID' })
  await assert.rejects(queue.discard({ partition: 0, offset: 999n }, 'nothing there'), {
    code: 'GRIM_DLQ_RECORD_NOT_FOUND',
  })
  await queue.discard(position, 'invalid forever: schema v0 payload', { by: 'ops@grimos' })

  assert.deepEqual(
    (await queue.list()).records.map((r) => r.key),
    ['user-k'],
  )
  const all = (await queue.list({ status: 'all' })).records
  assert.deepEqual(all.map((r) => r.key).sort(), ['user-d', 'user-k'])
  const discarded = all.find((r) => r.key === 'user-d')
  assert.equal(discarded?.status, 'discarded')
  assert.equal(discarded?.statusReason, 'invalid forever: schema v0 payload')
  assert.equal(discarded?.statusBy, 'ops@grimos')
  assert.ok(discarded?.statusAt && Date.now() - discarded.statusAt.getTime() < 60_000)
  assert.deepEqual(
    (await queue.list({ status: 'discarded' })).records.map((r) => r.key),
    ['user-d'],
  )
  await assert.rejects(queue.replay(position), { code: 'GRIM_REPLAY_REFUSED' })

  // A second queue (another process) sees the decision: it lives in Kafka, not in memory.
  const other = new DeadLetterQueue({ sourceTopic: topic })
  after(() => other.close())
  assert.equal((await other.inspect(position)).status, 'discarded')

  await queue.replay({ partition: kept.partition, offset: kept.offset })
  assert.deepEqual(events, ['discard', 'replay:1'])
})

const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

test('Spring Kafka and Kafka Connect DLQ records list with their provenance and replay to their topics', async () => {
  const springSource = await createTestTopic('dlq-spring-src', 1, ['-dlt', '-dlt.status'])
  const connectSource = await createTestTopic('dlq-connect-src', 1, ['.connect-dlq', '.connect-dlq.status'])
  const admin = new KafkaAdmin()
  const producer = new KafkaProducer()
  after(async () => {
    await producer.close()
    await admin.close()
  })
  const layout = { partitions: 2, replicationFactor: 1, minInsyncReplicas: 1 }
  await admin.ensureTopic(`${springSource}-dlt`, layout)
  await admin.ensureTopic(`${connectSource}.connect-dlq`, layout)

  const springValue = eventValue('user_registered', 'e-spring')
  const connectValue = eventValue('user_updated', 'e-connect')
  await producer.send([
    {
      topic: `${springSource}-dlt`,
      key: 'user-s',
      value: springValue,
      headers: {
        'x-tenant': 'acme',
        'kafka_dlt-original-topic': springSource,
        'kafka_dlt-original-partition': int32(0),
        'kafka_dlt-original-offset': int64(42n),
        'kafka_dlt-original-timestamp': int64(1735689600000n),
        'kafka_dlt-original-consumer-group': 'java-ledger',
        'kafka_dlt-exception-fqcn': 'org.springframework.kafka.listener.ListenerExecutionFailedException',
        'kafka_dlt-exception-message': 'Listener failed',
      },
    },
    {
      topic: `${connectSource}.connect-dlq`,
      key: 'user-c',
      value: connectValue,
      headers: {
        '__connect.errors.topic': connectSource,
        '__connect.errors.partition': '0',
        '__connect.errors.offset': '7',
        '__connect.errors.connector.name': 'jdbc-sink',
        '__connect.errors.task.id': '0',
        '__connect.errors.stage': 'VALUE_CONVERTER',
        '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
        '__connect.errors.exception.message': 'Unknown magic byte!',
      },
    },
  ])

  const spring = new DeadLetterQueue({ dlqTopic: `${springSource}-dlt`, decoder: jsonDecoder })
  const connect = new DeadLetterQueue({ dlqTopic: `${connectSource}.connect-dlq`, decoder: jsonDecoder })
  after(() => Promise.all([spring.close(), connect.close()]))

  const [springRecord] = (await spring.list()).records
  assert.ok(springRecord)
  assert.equal(springRecord.info.format, 'spring')
  assert.equal(springRecord.info.originalTopic, springSource)
  assert.equal(springRecord.info.originalOffset, 42n)
  assert.equal(springRecord.info.consumerGroup, 'java-ledger')
  assert.equal(springRecord.headers['kafka_dlt-original-offset'], '0x000000000000002a', 'binary headers show as hex')
  assert.equal(springRecord.eventType, 'user_registered')
  assert.deepEqual(
    (await spring.list({ errorClass: 'org.springframework.kafka.listener.ListenerExecutionFailedException' })).records
      .length,
    1,
  )

  const [connectRecord] = (await connect.list()).records
  assert.ok(connectRecord)
  assert.equal(connectRecord.info.format, 'connect')
  assert.equal(connectRecord.info.originalTopic, connectSource)
  assert.equal(connectRecord.info.extra.connector, 'jdbc-sink')
  assert.equal(connectRecord.eventId, 'e-connect')

  for (const [queue, record, source, value] of [
    [spring, springRecord, springSource, springValue],
    [connect, connectRecord, connectSource, connectValue],
  ] as const) {
    const outcome = await queue.replay(record.position)
    assert.equal(outcome.to.topic, source)
    const [copy] = await readRange(source, outcome.to.partition, outcome.to.offset, outcome.to.offset + 1n)
    assert.ok(copy)
    assert.deepEqual(copy.value, value)
    assert.equal(copy.key?.toString(), record.key)
    const foreign = [...copy.headers.keys()].filter((n) => n.startsWith('kafka_dlt-') || n.startsWith('__connect.'))
    assert.deepEqual(foreign, [], 'foreign DLQ headers are stripped')
    assert.equal(copy.headers.get(REPLAY_HEADERS.replayCount)?.toString(), '1')
    assert.equal((await queue.inspect(record.position)).status, 'replayed')
  }
  assert.equal(
    (await readRange(springSource, 0, 0n, 10n))[0]?.headers.get('x-tenant')?.toString(),
    'acme',
    'the producer’s own headers survive a Spring round trip',
  )
})

test('a record without provenance replays only when the queue knows the source topic', async () => {
  const source = await createTestTopic('dlq-bare-src', 1, ['.manual-dlq', '.manual-dlq.status'])
  const admin = new KafkaAdmin()
  const producer = new KafkaProducer()
  after(async () => {
    await producer.close()
    await admin.close()
  })
  const dlqTopic = `${source}.manual-dlq`
  await admin.ensureTopic(dlqTopic, { partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 })
  const [position] = await producer.send([{ topic: dlqTopic, key: 'user-x', value: Buffer.from('{}') }])
  assert.ok(position)
  const bare = new DeadLetterQueue({ dlqTopic })
  const knowing = new DeadLetterQueue({ dlqTopic, sourceTopic: source })
  after(() => Promise.all([bare.close(), knowing.close()]))
  await assert.rejects(bare.replay(position), { code: 'GRIM_REPLAY_REFUSED', message: /no original topic/ })
  assert.equal((await knowing.replay(position)).to.topic, source)
})

test('a malformed cursor or a date no Date can hold is GRIM_INPUT_INVALID naming it, never a wider match', async () => {
  const queue = new DeadLetterQueue({
    sourceTopic: 'test.dlq.input',
    decoder: jsonDecoder,
    connection: { clientId: 'dlq-input' },
  })
  after(() => queue.close())
  await assert.rejects(queue.list({ cursor: 'not-a-cursor' }), {
    code: 'GRIM_INPUT_INVALID',
    details: { argument: 'cursor' },
  })
  // A leap second passes a date-time format check but is an Invalid Date: it used to count as no bound at all.
  const leap = new Date('2016-12-31T23:59:60Z')
  await assert.rejects(queue.replayMany({ from: leap }), { code: 'GRIM_INPUT_INVALID', details: { argument: 'from' } })
  await assert.rejects(queue.list({ to: leap }), { code: 'GRIM_INPUT_INVALID', details: { argument: 'to' } })
  await assert.rejects(queue.list({ from: new Date(2_000), to: new Date(1_000) }), { code: 'GRIM_INPUT_INVALID' })
})

test('replay goes to the source topic only: a forged original-topic header is refused', async () => {
  const source = await createTestTopic('dlq-forged-src', 1, ['.forged-dlq', '.forged-dlq.status'])
  const admin = new KafkaAdmin()
  const producer = new KafkaProducer()
  after(async () => {
    await producer.close()
    await admin.close()
  })
  const dlqTopic = `${source}.forged-dlq`
  await admin.ensureTopic(dlqTopic, { partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 })
  const [position] = await producer.send([
    {
      topic: dlqTopic,
      key: 'user-x',
      value: Buffer.from('{}'),
      headers: { 'grimos.dlq.original-topic': 'grimos.other-topic' },
    },
  ])
  assert.ok(position)
  const queue = new DeadLetterQueue({ dlqTopic, sourceTopic: source })
  after(() => queue.close())
  await assert.rejects(queue.replay(position), {
    code: 'GRIM_REPLAY_REFUSED',
    message: /names grimos\.other-topic as its original topic, but this DLQ belongs to/,
  })
})
