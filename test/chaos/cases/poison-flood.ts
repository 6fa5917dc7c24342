// Poison flood: hostile records (undecodable bytes, length bombs behind a valid schema id, unknown schema ids,
// wrong magic bytes) spread over the keys of a stream of good events. Every hostile record must end in the DLQ,
// every good event must be handled, and the consumer must keep running. The same good events on a clean topic,
// consumed by an identical consumer in the same run, give the throughput the poison is measured against.
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { Registry } from 'prom-client'
import { avroTypeFor, createUserEvent } from '../../../packages/events/src/catalog/index.ts'
import { createEventConsumer } from '../../../packages/events/src/consumer/index.ts'
import { KafkaProducer, type OutgoingRecord } from '../../../packages/events/src/kafka/index.ts'
import { EventSerde } from '../../../packages/events/src/serde/index.ts'
import { rawVarint, varintFields, zigzag } from '../../fuzz/mutations.ts'
import { createCaseTopic, userIdOf, waitUntil } from '../../support/chaos.ts'
import { chaosLoginInput, readAll } from '../../support/index.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const keys = 1_000
const partitions = 6
const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' })
/** Marks a hostile record; the DLQ keeps the original headers, so each DLQ record can be told hostile or good. */
const hostileHeader = 'chaos-hostile'

const hostileKinds = [
  'random bytes behind a valid schema id',
  'array count 2^31 behind a valid schema id',
  'string length 2^62 behind a valid schema id',
  'unknown schema id',
  'wrong magic byte',
] as const

export const poisonFlood: ChaosCase = {
  id: 'poison-flood',
  fault: 'poison flood: 10,000 hostile among 100,000 good',
  mustHold: 'every hostile record in the DLQ; every good one handled; no restart; ≥ 0.7× clean throughput',
  method: `Two 6-partition topics get the same good \`user_login\` events over 1,000 keys (encoded by the real serde, written by a \`KafkaProducer\` in batches of 1,000); one of them also gets one hostile record after every 10th good one, on the key of that good event, in five kinds taken in turn: ${hostileKinds.join(', ')} (the length bombs are built from the record's own length fields with \`test/fuzz/mutations.ts\`). Then an identical \`createEventConsumer\` (defaults: in-memory dedupe, DLQ on) consumes each topic from the beginning, clean first, and counts handled events by event_id. Lost: good events never handled plus hostile records missing from the DLQ; DLQ: good events dead-lettered (the DLQ is read back and each record told apart by a header the hostile ones carry). Throughput: good events per second from the first handled to the last, dirty over clean.`,
  events: { short: 10_000, full: 100_000 },
  timeoutMs: { short: 180_000, full: 600_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const good = poisonFlood.events[size]
  const started = performance.now()
  const clean = await createCaseTopic('chaos-poison-clean', partitions)
  const dirty = await createCaseTopic('chaos-poison-dirty', partitions)
  const serde = new EventSerde({ topic: dirty.topic })
  const notes: string[] = []
  try {
    const seeded = await seed(serde, clean.topic, dirty.topic, good)
    log(`seeded ${good} good events on both topics and ${seeded.hostile} hostile ones among them`)
    const cleanRun = await consume(clean.topic, seeded.goodIds)
    log(`clean: ${cleanRun.handled} handled at ${Math.round(cleanRun.rate)}/s`)
    const dirtyRun = await consume(dirty.topic, seeded.goodIds)
    log(`dirty: ${dirtyRun.handled} handled at ${Math.round(dirtyRun.rate)}/s`)
    // The DLQ as written: hostile records by their header, anything else is a good event dead-lettered.
    const dead = await waitForDlq(`${dirty.topic}.dlq`, seeded.hostile, 30_000)
    const hostileInDlq = dead.filter((r) => r.headers.has(hostileHeader))
    const errorClasses = new Map<string, number>()
    for (const r of hostileInDlq) {
      const label = `${r.headers.get(hostileHeader)?.toString()} → ${r.headers.get('grimos.dlq.error-class')?.toString()}`
      errorClasses.set(label, (errorClasses.get(label) ?? 0) + 1)
    }
    const ratio = dirtyRun.rate / cleanRun.rate
    notes.push(
      `good-event throughput with poison ${fmt(dirtyRun.rate)}/s against ${fmt(cleanRun.rate)}/s clean: ratio ${ratio.toFixed(2)} (goal ≥ 0.7)`,
    )
    notes.push(
      `hostile: ${seeded.hostile} written, ${hostileInDlq.length} in the DLQ; by kind and error class: ${[...errorClasses].map(([k, n]) => `${k} ${n}`).join('; ')}`,
    )
    notes.push(
      `consumer state at the end: clean ${cleanRun.state}, dirty ${dirtyRun.state} (live ${dirtyRun.live}); both in this process, which never restarted`,
    )
    return {
      // The throughput goal is judged on the full form: short runs are too brief to measure a rate (0.68 short
      // against 0.52 full on the same code); the short test reports it as a todo.
      broken:
        size === 'full' && ratio < 0.7
          ? [`good-event throughput ${ratio.toFixed(2)}× the clean run, below the 0.7× goal`]
          : [],
      injected: `${fmt(seeded.hostile)} hostile records among ${fmt(good)} good ones (one after every 10th, five kinds in turn)`,
      events: good,
      lost: dirtyRun.missing + cleanRun.missing + (seeded.hostile - hostileInDlq.length),
      doubledEffects: dirtyRun.doubled + cleanRun.doubled,
      redelivered: 0,
      inDlq: dead.length - hostileInDlq.length,
      outOfOrder: dirtyRun.outOfOrder + cleanRun.outOfOrder,
      wallMs: performance.now() - started,
      notes,
      measures: { cleanRate: cleanRun.rate, dirtyRate: dirtyRun.rate, ratio, hostile: seeded.hostile },
    }
  } finally {
    await serde.close()
    await clean.remove()
    await dirty.remove()
  }
}

interface Seeded {
  goodIds: string[]
  hostile: number
}

async function seed(serde: EventSerde, clean: string, dirty: string, good: number): Promise<Seeded> {
  const producer = new KafkaProducer({ clientId: 'chaos-poison-seed' })
  const goodIds: string[] = []
  let hostile = 0
  let batch: OutgoingRecord[] = []
  const type = avroTypeFor('user_login')
  try {
    for (let i = 0; i < good; i++) {
      const key = userIdOf(i % keys)
      const event = createUserEvent(chaosLoginInput(key, i))
      const value = await serde.encode(event)
      goodIds.push(event.event_id)
      batch.push({ topic: clean, key, value }, { topic: dirty, key, value })
      if (i % 10 === 9) {
        const kind = hostileKinds[hostile % hostileKinds.length] as (typeof hostileKinds)[number]
        batch.push({
          topic: dirty,
          key,
          value: hostileValue(kind, value, type),
          headers: new Map([[hostileHeader, Buffer.from(kind)]]),
        })
        hostile++
      }
      if (batch.length >= 1_000) {
        await producer.send(batch)
        batch = []
      }
    }
    if (batch.length) await producer.send(batch)
  } finally {
    await producer.close()
  }
  return { goodIds, hostile }
}

/** One hostile record made from a good one's framed bytes (magic byte, 4-byte schema id, Avro body). */
function hostileValue(
  kind: (typeof hostileKinds)[number],
  framed: Buffer,
  type: ReturnType<typeof avroTypeFor>,
): Buffer {
  const header = framed.subarray(0, 5)
  const body = framed.subarray(5)
  const fields = varintFields(type, body)
  const replace = (field: { start: number; end: number } | undefined, value: bigint) => {
    if (!field) throw new Error(`no such length field in a user_login record (${kind})`)
    return Buffer.concat([header, body.subarray(0, field.start), rawVarint(zigzag(value)), body.subarray(field.end)])
  }
  switch (kind) {
    case 'random bytes behind a valid schema id':
      return Buffer.concat([header, randomBytes(body.length)])
    case 'array count 2^31 behind a valid schema id':
      return replace(
        fields.find((f) => f.kind === 'count'),
        2n ** 31n,
      )
    case 'string length 2^62 behind a valid schema id':
      return replace(
        fields.find((f) => f.kind === 'length'),
        2n ** 62n,
      )
    case 'unknown schema id':
      // An id no registry of a test run has issued; the serde asks once (404), then remembers it.
      return Buffer.concat([Buffer.from([0, 0x77, 0x35, 0x94, 0x01]), body])
    case 'wrong magic byte':
      return Buffer.concat([Buffer.from([1]), framed.subarray(1)])
  }
}

interface RunCounts {
  handled: number
  missing: number
  doubled: number
  outOfOrder: number
  rate: number
  state: string
  live: boolean
}

/** One consumer, same options for both topics, until every good event is handled (or 5 minutes pass). */
async function consume(topic: string, goodIds: string[]): Promise<RunCounts> {
  const consumer = createEventConsumer({
    groupId: `${topic}.group`,
    topics: [topic],
    clientId: 'chaos-poison-consumer',
    metricsRegistry: new Registry(),
    logger,
  })
  const seen = new Map<string, number>()
  const lastSeq = new Map<string, number>()
  let outOfOrder = 0
  let first = 0
  let last = 0
  consumer.registerHandler('user_login', async (event) => {
    const now = performance.now()
    if (first === 0) first = now
    last = now
    seen.set(event.event_id, (seen.get(event.event_id) ?? 0) + 1)
    const seq = Number(event.metadata.request_id?.slice(4))
    if (seq < (lastSeq.get(event.user_id) ?? -1)) outOfOrder++
    else lastSeq.set(event.user_id, seq)
    return { success: true, message: 'counted' }
  })
  try {
    await consumer.start()
    await waitUntil(() => seen.size >= goodIds.length || consumer.health().details.state === 'failed', 300_000, 50)
    const health = consumer.health()
    let doubled = 0
    for (const n of seen.values()) if (n > 1) doubled++
    return {
      handled: seen.size,
      missing: goodIds.filter((id) => !seen.has(id)).length,
      doubled,
      outOfOrder,
      rate: seen.size / ((last - first) / 1000),
      state: String(health.details.state),
      live: health.live,
    }
  } finally {
    await consumer.stop()
  }
}

async function waitForDlq(dlqTopic: string, expected: number, timeoutMs: number) {
  // Dead letters are written before the offsets pass them; the last batch may still be in flight briefly.
  let records = await readAll(dlqTopic).catch(() => [])
  await waitUntil(
    async () => {
      records = await readAll(dlqTopic).catch(() => [])
      return records.length >= expected
    },
    timeoutMs,
    500,
  )
  return records
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
