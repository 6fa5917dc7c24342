// Publishing benchmark: @grimos/events (validation + Avro encoding + registry-cached ids + headers) against the
// raw @platformatic/kafka producer with the same settings (idempotent, acks=all, same batch size) sending the
// same pre-encoded bytes to the same broker. Rounds alternate raw/ours; medians are reported.

import { randomUUID } from 'node:crypto'
import {
  AVRO_CONTENT_TYPE,
  avroSchemaFor,
  createUserEvent,
  EVENT_HEADERS,
  EventPublisher,
  EventSerde,
  KafkaAdmin,
} from '@grimos/events'
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka'
import avro from 'avsc'
import { rawClientSecurity } from '../test/support/raw-client.ts'
import { benchEmail, loginInput } from './events.ts'
import { fmt, machineLine, median, percentile, writeSection } from './report.ts'

const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'
const throughputEvents = Number(process.env.BENCH_EVENTS ?? 50_000)
const latencyEvents = Number(process.env.BENCH_LATENCY_EVENTS ?? 1_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
const batchSize = 1_000
const topic = `bench.publish.${Date.now().toString(36)}`

const distinctUsers = 5_000
const input = (i: number) => loginInput(i, distinctUsers)

async function main() {
  const admin = new KafkaAdmin({ clientId: 'bench-admin' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })

  console.error(`topic ${topic} ready; encoding ${Math.max(throughputEvents, latencyEvents)} events for the raw client`)
  const serde = new EventSerde({ topic })
  await serde.registerSchemas()
  // Where our per-event CPU goes (building + validating the event, then Avro encoding), measured here too.
  // The second of two passes is timed, so both functions are compiled as they are in the rounds below.
  const sample = Array.from({ length: 20_000 }, (_, i) => input(i))
  let createMicros = 0
  let encodeMicros = 0
  for (let pass = 0; pass < 2; pass++) {
    let t0 = performance.now()
    const built = sample.map((item) => createUserEvent(item))
    createMicros = ((performance.now() - t0) * 1000) / sample.length
    t0 = performance.now()
    for (const event of built) await serde.encode(event)
    encodeMicros = ((performance.now() - t0) * 1000) / sample.length
  }
  // The raw client sends what we would send, already encoded: its cost is the transport alone.
  const prepared = await Promise.all(
    Array.from({ length: Math.max(throughputEvents, latencyEvents) }, async (_, i) => {
      const event = createUserEvent(input(i))
      return {
        key: Buffer.from(event.user_id),
        value: await serde.encode(event),
        // The same headers ours writes, so both sides put the same bytes on the wire.
        headers: {
          [EVENT_HEADERS.eventType]: Buffer.from(event.event_type),
          [EVENT_HEADERS.eventId]: Buffer.from(event.event_id),
          [EVENT_HEADERS.schemaVersion]: Buffer.from(String(event.schema_version)),
          [EVENT_HEADERS.contentType]: Buffer.from(AVRO_CONTENT_TYPE),
        },
      }
    }),
  )
  // The callers' inputs are built before the clock runs too, as the raw client's records are.
  const inputs = Array.from({ length: throughputEvents }, (_, i) => input(i))
  console.error('prepared; starting clients')
  const raw = new Producer({
    clientId: 'bench-raw',
    bootstrapBrokers: [bootstrap],
    // The same listener as ours: SASL_SSL on the secure stack.
    ...rawClientSecurity(),
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Keys, values and header values go as the same Buffers we send; header names are strings, as in ours.
    serializers: { headerKey: stringSerializer },
  })
  const ours = new EventPublisher({
    topic,
    clientId: 'bench-ours',
    queue: { capacity: throughputEvents, overflow: 'reject', batchSize },
  })
  await ours.start()
  console.error('clients ready')

  // The second peer: what a service would write by hand without our library: build the record, encode it with
  // avsc against the registered schema, frame it, send it in the same batches. No validation, no metrics.
  const peerType = avro.Type.forSchema(avroSchemaFor('user_login') as avro.Schema)
  const peerSchemaId = await serde.schemaIdFor('user_login')
  const template = createUserEvent(input(0))
  const peerRecord = (i: number) => {
    const userId = input(i).userId
    const record = {
      ...template,
      event_id: randomUUID(),
      user_id: userId,
      timestamp: Date.now(),
      data: { ...template.data, id: userId, email: benchEmail(i, distinctUsers) },
    }
    const body = peerType.toBuffer(record)
    const value = Buffer.allocUnsafe(body.length + 5)
    value[0] = 0
    value.writeInt32BE(peerSchemaId, 1)
    body.copy(value, 5)
    return {
      topic,
      key: Buffer.from(userId),
      value,
      headers: {
        [EVENT_HEADERS.eventType]: Buffer.from(record.event_type),
        [EVENT_HEADERS.eventId]: Buffer.from(record.event_id),
        [EVENT_HEADERS.schemaVersion]: Buffer.from(String(record.schema_version)),
        [EVENT_HEADERS.contentType]: Buffer.from(AVRO_CONTENT_TYPE),
      },
    }
  }
  const peerThroughput: number[] = []

  // Warm-up, not measured: both clients (and our send worker) connect, learn the partition leaders and get their
  // hot paths compiled before the clock runs.
  const warmUp = Math.min(10_000, throughputEvents)
  for (let i = 0; i < warmUp; i += batchSize)
    await raw.send({ messages: prepared.slice(i, i + batchSize).map((m) => ({ topic, ...m })) })
  for (let i = 0; i < warmUp; i++) ours.publishInBackground(input(i))
  await ours.flush()

  const rawThroughput: number[] = []
  const oursThroughput: number[] = []
  const rawLatency: number[] = []
  const oursLatency: number[] = []
  for (let round = 0; round < rounds; round++) {
    let started = performance.now()
    for (let i = 0; i < throughputEvents; i += batchSize) {
      await raw.send({ messages: prepared.slice(i, i + batchSize).map((m) => ({ topic, ...m })) })
    }
    rawThroughput.push(throughputEvents / ((performance.now() - started) / 1000))
    console.error('raw throughput done')

    started = performance.now()
    for (let i = 0; i < throughputEvents; i += batchSize) {
      const messages = []
      for (let j = i; j < Math.min(i + batchSize, throughputEvents); j++) messages.push(peerRecord(j))
      await raw.send({ messages })
    }
    peerThroughput.push(throughputEvents / ((performance.now() - started) / 1000))

    started = performance.now()
    for (let i = 0; i < throughputEvents; i++) ours.publishInBackground(inputs[i]!)
    await ours.flush()
    oursThroughput.push(throughputEvents / ((performance.now() - started) / 1000))
    console.error('ours throughput done')

    for (let i = 0; i < latencyEvents; i++) {
      const t0 = performance.now()
      const m = prepared[i]!
      await raw.send({ messages: [{ topic, ...m }] })
      rawLatency.push(performance.now() - t0)
      const t1 = performance.now()
      await ours.publish(input(i))
      oursLatency.push(performance.now() - t1)
    }
    console.error(
      `round ${round + 1}/${rounds}: raw ${fmt(rawThroughput.at(-1)!)} ev/s, raw + encode ${fmt(peerThroughput.at(-1)!)} ev/s, ours ${fmt(oursThroughput.at(-1)!)} ev/s`,
    )
  }
  await ours.close()
  await raw.close()
  await admin.deleteTopics([topic])
  await admin.close()

  const sort = (values: number[]) => [...values].sort((a, b) => a - b)
  const rawL = sort(rawLatency)
  const oursL = sort(oursLatency)
  const rawT = median(rawThroughput)
  const oursT = median(oursThroughput)
  const peerT = median(peerThroughput)
  const rawSync = 1000 / (rawLatency.reduce((a, b) => a + b, 0) / rawLatency.length)
  const oursSync = 1000 / (oursLatency.reduce((a, b) => a + b, 0) / oursLatency.length)
  const ratio = (a: number, b: number) => `${fmt((a / b) * 100)}%`
  const table = `## Publishing (issue: publishing)

${machineLine()}. Topic with 6 partitions, one broker, \`user_login\` events (~230 bytes Avro).
Method: after a ${fmt(Math.min(10_000, throughputEvents))}-event warm-up of both (not measured), ${rounds} rounds; each round runs the raw client, then the
"raw + encode" peer, then ours, on the same topic. Throughput: ${fmt(throughputEvents)} events, batches of ${batchSize}, one
batch in flight. Raw: \`producer.send\` of the same pre-encoded bytes, with the same key and the same four headers, records
built before the clock runs. Ours: \`publishInBackground\` of inputs built before the clock runs, then \`flush\`; each call
builds the event (UUIDv7, timestamp), validates it (Avro schema and business rules) and queues it; full batches are
Avro-encoded into one buffer on the caller's thread and handed to our send worker, a worker thread that runs the same
client with the same settings (idempotent, acks=all) and sends them one at a time, in order. So ours spreads its work
over two threads where the raw client, used as documented, runs in the caller's; the machine has two cores, shared with
the broker. Latency: ${fmt(latencyEvents)} sequential single-event sends per round, interleaved raw/ours (ours: \`publish\`,
which validates, encodes and awaits acks=all; sync sends go from the caller's thread, not through the worker). A second peer, "raw + encode", is what a service would
write by hand: build the record, avsc \`toBuffer\`, frame it, send the same batches (no validation, no metrics).

| measure | raw @platformatic/kafka | @grimos/events | ours ÷ raw |
|---|---|---|---|
| background throughput (median, events/s) | ${fmt(rawT)} | ${fmt(oursT)} | **${ratio(oursT, rawT)}** |
| background throughput vs raw + hand-written avsc encode (${fmt(peerT)} events/s) | | ${fmt(oursT)} | ${ratio(oursT, peerT)} |
| sync throughput, sequential (events/s) | ${fmt(rawSync)} | ${fmt(oursSync)} | ${ratio(oursSync, rawSync)} |
| sync latency p50 (ms) | ${fmt(percentile(rawL, 50), 2)} | ${fmt(percentile(oursL, 50), 2)} | ${ratio(percentile(oursL, 50), percentile(rawL, 50))} |
| sync latency p99 (ms) | ${fmt(percentile(rawL, 99), 2)} | ${fmt(percentile(oursL, 99), 2)} | ${ratio(percentile(oursL, 99), percentile(rawL, 99))} |

Per-round background throughput (events/s): raw ${rawThroughput.map((v) => fmt(v)).join(', ')}; raw + encode ${peerThroughput.map((v) => fmt(v)).join(', ')}; ours ${oursThroughput.map((v) => fmt(v)).join(', ')}.
Target: background throughput ≥ 90% of raw.
Our caller-thread cost per event (same run): building and validating it (\`createUserEvent\`) ${fmt(createMicros, 1)} µs,
\`EventSerde.encode\` (validation again, then Avro) ${fmt(encodeMicros, 1)} µs; the background path encodes without the second
validation.`
  writeSection('publish', table)
  console.log(table)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
