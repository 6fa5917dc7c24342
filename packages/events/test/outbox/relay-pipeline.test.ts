// The relay with a pipelining publish (OutboxPipeline): several batches under way at once through the real
// PipelinedProducer and SendPipeline, every fourth request failing. Every row ends sent, once per successful
// request, and no key's rows reach the "broker" out of id order, whatever went out around a failure.
import assert from 'node:assert/strict'
import { GrimError } from '../../src/errors.ts'
import type { KafkaProducer, OutgoingRecord, RecordPosition } from '../../src/kafka/index.ts'
import { fetchByStatus, OutboxRelay, type OutboxRow } from '../../src/outbox/index.ts'
import { PipelinedProducer } from '../../src/producer/pipelined-producer.ts'
import { testOnEachEngine } from '../db/engines.ts'
import { assertOrderPerKey, captureLogger, enqueueSequences, fastRelay } from './support.ts'

const partitions = 3
const keys = 6
const perKey = 8

/**
 * A publish like the user-event relay's: rows go through the real PipelinedProducer, over a fake producer whose
 * every `failEvery`th request fails and whose requests answer out of order.
 */
function pipelinedPublish(failEvery: number) {
  const broker: { key: string; seq: number; eventId: string }[] = []
  const rowsOf = new Map<OutgoingRecord, OutboxRow>()
  let failures = 0
  let requests = 0
  const producer = {
    partitionCounts: async (topics: string[]) => new Map(topics.map((t) => [t, partitions])),
    async send(records: OutgoingRecord[]): Promise<RecordPosition[]> {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4))
      if (++requests % failEvery === 0) {
        failures++
        throw new GrimError('GRIM_PUBLISH_FAILED', 'the broker went away', { retryable: true })
      }
      for (const record of records) {
        const row = rowsOf.get(record) as OutboxRow
        broker.push({ key: row.key, seq: (row.payload as { seq: number }).seq, eventId: row.eventId })
      }
      return [...new Set(records.map((r) => (r.partition as number) % partitions))].map((partition) => ({
        topic: 't',
        partition,
        offset: 0n,
      }))
    },
  }
  const sender = new PipelinedProducer(
    producer as unknown as KafkaProducer,
    { maxInFlight: 2, maxRequestRecords: 4, lingerMs: 0 },
    (_topic, error) => {
      throw error
    },
  )
  const publish = (rows: OutboxRow[]) =>
    sender.send(
      rows.map((row) => {
        const record: OutgoingRecord = { topic: 't', key: row.key, value: null, partition: Number(row.key.slice(5)) }
        rowsOf.set(record, row)
        return record
      }),
      `rows from ${rows[0]?.id}`,
    )
  return { broker, publish, resume: () => sender.resume(), failures: () => failures }
}

testOnEachEngine(
  'pipelined batches: every fourth request fails, every row is sent and each key stays in order',
  async (db) => {
    const eventIds = await enqueueSequences(db, 't', keys, perKey)
    const fake = pipelinedPublish(4)
    const relay = new OutboxRelay(db, {
      ...fastRelay,
      logger: captureLogger(),
      publish: fake.publish,
      pipeline: { batchesInFlight: 3, resume: fake.resume },
    })
    relay.start()
    try {
      await relay.drain(20_000)
    } finally {
      await relay.stop()
    }
    assert.ok(fake.failures() > 0, 'some requests failed')
    assertOrderPerKey(fake.broker, keys, perKey)
    // Sent once per successful request: a row is re-sent only when its own request failed.
    assert.equal(new Set(fake.broker.map((r) => r.eventId)).size, eventIds.length)
    assert.equal(fake.broker.length, eventIds.length, 'no row went out twice')
    assert.equal((await fetchByStatus(db, 'sent', 1_000)).length, eventIds.length)
    assert.equal((await fetchByStatus(db, 'failed')).length, 0)
  },
)
