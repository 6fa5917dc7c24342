import assert from 'node:assert/strict'
import { createTestTopic, eventually, uniqueName } from '../../../../test/support/index.ts'
import { GrimError } from '../../src/errors.ts'
import { type IncomingRecord, KafkaGroupConsumer, KafkaProducer } from '../../src/kafka/index.ts'
import { OutboxRelay, type OutboxRow } from '../../src/outbox/index.ts'
import { testOnEachEngine } from '../db/engines.ts'
import { assertOrderPerKey, captureLogger, enqueueSequences, fastRelay } from './support.ts'

const toRecord = (row: OutboxRow) => ({
  topic: row.topic,
  key: row.key,
  value: Buffer.from(JSON.stringify(row.payload)),
  headers: { ...row.headers, event_id: row.eventId, event_type: row.eventType },
})

/** Reads `topic` from the start until `expected` distinct event ids arrived (or the time is up). */
async function readDistinct(topic: string, expected: number, timeoutMs: number): Promise<IncomingRecord[]> {
  const consumer = new KafkaGroupConsumer({ clientId: 'outbox-relay-test', groupId: uniqueName('outbox-relay') })
  const records: IncomingRecord[] = []
  const ids = new Set<string>()
  const timer = setTimeout(() => void consumer.close(), timeoutMs)
  try {
    for await (const record of await consumer.subscribe([topic])) {
      records.push(record)
      ids.add(record.headers.get('event_id')?.toString() ?? '')
      if (ids.size >= expected) break
    }
  } finally {
    clearTimeout(timer)
    await consumer.close()
  }
  return records
}

testOnEachEngine(
  'Kafka down, then up, then a relay crash and restart: every event arrives, in order per key',
  async (db) => {
    const topic = await createTestTopic('outbox-relay', 3)
    const keys = 4
    const perKey = 15
    const eventIds = await enqueueSequences(db, topic, keys, perKey)

    // "Kafka down" without touching the shared broker: the producer first points at a closed port.
    const unreachable = new KafkaProducer({
      clientId: 'outbox-down',
      bootstrapBrokers: ['127.0.0.1:1'],
      requestTimeoutMs: 500,
    })
    const broker = new KafkaProducer({ clientId: 'outbox-up' })
    let producer = unreachable
    let retries = 0
    let successfulBatches = 0
    const first: OutboxRelay = new OutboxRelay(db, {
      ...fastRelay,
      relayId: 'first',
      logger: captureLogger(),
      observer: {
        onRetry: () => {
          retries++
        },
      },
      publish: async (rows) => {
        await producer.send(rows.map(toRecord))
        successfulBatches++
        if (successfulBatches === 3) {
          // The process dies after the broker's ack and before the rows are marked: this batch will be sent again.
          void first.stop()
          throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'simulated crash before marking the batch sent')
        }
      },
    })
    try {
      first.start()
      await eventually(
        () => retries,
        (n) => n >= 2,
        30_000,
      )
      assert.equal(await first.pendingCount(), keys * perKey, 'nothing is lost or marked while Kafka is down')
      const [stuck] = await db.query<{ attempts: number; last_error: string }>(
        'select attempts, last_error from grimos_outbox order by id limit 1',
      )
      assert.ok((stuck?.attempts ?? 0) >= 1)
      assert.match(stuck?.last_error ?? '', /./)

      producer = broker
      await eventually(
        () => successfulBatches,
        (n) => n >= 3,
        15_000,
      )
      await first.stop()
      const left = await first.pendingCount()
      assert.ok(left > 0 && left < keys * perKey, `the first relay stopped mid-way (${left} rows left)`)

      const second = new OutboxRelay(db, {
        ...fastRelay,
        relayId: 'second',
        logger: captureLogger(),
        publish: async (rows) => void (await broker.send(rows.map(toRecord))),
      })
      second.start()
      try {
        await second.drain(15_000)
      } finally {
        await second.stop()
      }
    } finally {
      await first.stop()
      await Promise.all([unreachable.close(), broker.close()])
    }

    const records = await readDistinct(topic, eventIds.length, 20_000)
    const received = records.map((r) => ({
      key: r.key?.toString() ?? '',
      seq: (JSON.parse(r.value?.toString() ?? '{}') as { seq: number }).seq,
      eventId: r.headers.get('event_id')?.toString() ?? '',
    }))
    assert.deepEqual(new Set(received.map((r) => r.eventId)), new Set(eventIds), 'every event arrived')
    assert.ok(records.length > eventIds.length, 'the crashed batch was delivered twice (and deduped by event_id)')
    assert.ok(records.length <= eventIds.length + fastRelay.batchSize, 'duplicates are bounded by one batch')
    assertOrderPerKey(received, keys, perKey)
    assert.match(records[0]?.headers.get('traceparent')?.toString() ?? '', /^00-/)
  },
)
