// Publishing benchmark, peers side by side in one run on the same broker, listener and topic: Kafka's own Java
// ProducerPerformance (the physical limit here), the raw @platformatic/kafka producer, KafkaJS with
// @kafkajs/confluent-schema-registry (what a Node team writes by hand), and our background publish. Rounds rotate
// the order of the peers; ratios are medians of the per-round ratios.
import { randomUUID } from 'node:crypto'
import {
  AVRO_CONTENT_TYPE,
  createUserEvent,
  EVENT_HEADERS,
  EventPublisher,
  EventSerde,
  KafkaAdmin,
} from '@grimos/events'
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka'
import { rawClientSecurity } from '../test/support/raw-client.ts'
import { loginInput } from './events.ts'
import { kafkaTools, producerPerformanceRate } from './kafka-tools.ts'
import { kafkaJsPeer } from './kafkajs-peer.ts'
import { fmt, machineLine, median, writeSection } from './report.ts'

const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
const events = Number(process.env.BENCH_EVENTS ?? 50_000)
const javaRecords = Number(process.env.BENCH_JAVA_RECORDS ?? 300_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
/** Extra publisher options for ours, as JSON (e.g. '{"sendWorker":{"compression":"lz4"}}'), to measure levers. */
const oursOptions = JSON.parse(process.env.BENCH_PUBLISHER_OPTIONS ?? '{}') as Record<string, unknown>
const batchSize = 1_000
const distinctUsers = 5_000
const topic = `bench.publish.${Date.now().toString(36)}`
const input = (i: number) => loginInput(i, distinctUsers)
// Bounds every peer's run: a stuck peer fails the bench instead of hanging it.
const peerTimeoutMs = 180_000

async function main() {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
  const admin = new KafkaAdmin({ clientId: 'bench-admin' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })
  const serde = new EventSerde({ topic })
  await serde.registerSchemas()

  // The raw client sends what we would send, already encoded: its cost is the transport alone.
  const prepared = await Promise.all(
    Array.from({ length: events }, async (_, i) => {
      const event = createUserEvent(input(i))
      return {
        topic,
        key: Buffer.from(event.user_id),
        value: await serde.encode(event),
        headers: {
          [EVENT_HEADERS.eventType]: Buffer.from(event.event_type),
          [EVENT_HEADERS.eventId]: Buffer.from(event.event_id),
          [EVENT_HEADERS.schemaVersion]: Buffer.from(String(event.schema_version)),
          [EVENT_HEADERS.contentType]: Buffer.from(AVRO_CONTENT_TYPE),
        },
      }
    }),
  )
  const valueBytes = prepared.reduce((sum, r) => sum + r.value.length, 0) / prepared.length
  // Java's tool sends values only (no key, no headers): it gets values as long as our key + value + headers.
  const recordBytes = Math.round(
    prepared.reduce(
      (sum, r) =>
        sum +
        r.key.length +
        r.value.length +
        Object.entries(r.headers).reduce((h, [name, value]) => h + name.length + value.length, 0),
      0,
    ) / prepared.length,
  )
  const inputs = Array.from({ length: events }, (_, i) => input(i))

  const raw = new Producer({
    clientId: 'bench-raw',
    bootstrapBrokers: [bootstrap],
    ...rawClientSecurity(),
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: { headerKey: stringSerializer },
  })
  // What a hand-written service builds: a plain object per event (no validation), timestamps as epoch millis.
  const template = createUserEvent(input(0))
  const kafkajs = await kafkaJsPeer(bootstrap, registryUrl, topic, serde.subjectFor('user_login'), (i) => {
    const { userId, userData } = input(i)
    return {
      userId,
      value: { ...template, event_id: randomUUID(), user_id: userId, timestamp: Date.now(), data: userData },
    }
  })
  const ours = new EventPublisher({
    ...oursOptions,
    topic,
    clientId: 'bench-ours',
    queue: { capacity: events, overflow: 'reject', batchSize },
  })
  await ours.start()
  // The same publisher with the pipeline off: one request at a time, each a whole batch (as before issue 12).
  const serial = new EventPublisher({
    ...oursOptions,
    topic,
    clientId: 'bench-ours-serial',
    queue: { capacity: events, overflow: 'reject', batchSize },
    sendWorker: { maxInFlight: 1, maxRequestRecords: 10_000 },
  })
  await serial.start()
  const tools = await kafkaTools()
  const java = async () => {
    const out = await tools.run(
      'org.apache.kafka.tools.ProducerPerformance',
      [
        '--topic',
        topic,
        '--num-records',
        String(javaRecords),
        '--record-size',
        String(recordBytes),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${bootstrap}`,
        'acks=all',
        'enable.idempotence=true',
        'linger.ms=5',
        'batch.size=262144',
      ],
      '--producer.config',
      peerTimeoutMs,
    )
    return producerPerformanceRate(out)
  }
  const rawRun = async () => {
    const started = performance.now()
    for (let i = 0; i < events; i += batchSize) await raw.send({ messages: prepared.slice(i, i + batchSize) })
    return events / ((performance.now() - started) / 1000)
  }
  const run = (publisher: EventPublisher) => async () => {
    const started = performance.now()
    for (let i = 0; i < events; i++) publisher.publishInBackground(inputs[i]!)
    await publisher.flush()
    return events / ((performance.now() - started) / 1000)
  }
  const oursRun = run(ours)
  const kafkajsRun = () => kafkajs.run(events, batchSize, 0)

  // Warm-up, not measured: connections, metadata and hot paths of every Node peer.
  const warm = Math.min(20_000, events)
  for (let i = 0; i < warm; i += batchSize) await raw.send({ messages: prepared.slice(i, i + batchSize) })
  await kafkajs.run(warm, batchSize, 0)
  for (const publisher of [ours, serial]) {
    for (let i = 0; i < warm; i++) publisher.publishInBackground(inputs[i]!)
    await publisher.flush()
  }
  console.error(`warmed up; ${rounds} rounds of ${fmt(events)} events (Java: ${fmt(javaRecords)} records)`)

  const peers = { java, raw: rawRun, kafkajs: kafkajsRun, serial: run(serial), ours: oursRun }
  const names = Object.keys(peers) as (keyof typeof peers)[]
  const results: Record<keyof typeof peers, number[]> = { java: [], raw: [], kafkajs: [], serial: [], ours: [] }
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first, so a slow moment of the machine does not always hit the same peer.
    const order = names.map((_, i) => names[(i + round) % names.length]!)
    for (const name of order) results[name].push(await peers[name]())
    console.error(
      `round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${fmt(results[n].at(-1)!)}`).join(', ')} events/s`,
    )
  }
  await ours.close()
  await serial.close()
  await raw.close()
  await kafkajs.close()
  await serde.close()
  await admin.deleteTopics([topic])
  await admin.close()

  const perRound = (peer: keyof typeof peers) => results.ours.map((v, i) => v / results[peer][i]!)
  const ratio = (peer: keyof typeof peers) => fmt(median(perRound(peer)), 2)
  const spread = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`
  const ratios = (peer: keyof typeof peers) =>
    perRound(peer)
      .map((v) => fmt(v, 2))
      .join(', ')
  const options = Object.keys(oursOptions).length ? ` Ours with \`${JSON.stringify(oursOptions)}\`.` : ''
  const table = `## Publishing: peers in the same run (issue 12)

${machineLine()}; ${tools.java} for Kafka's tool. One broker, SASL_SSL (SCRAM-SHA-512, TLS 1.3), one topic with 6
partitions shared by every peer, acks=all, idempotent producers. Records: \`user_login\` events, Avro value
${fmt(valueBytes)} bytes, a 36-byte key (the user id, ${fmt(distinctUsers)} distinct), four headers; ${fmt(recordBytes)} bytes per record
in all. ${rounds} rounds after a warm-up of every Node peer (not measured); each round runs every peer once, the order
rotating by one per round.${options}

- **Java**: \`org.apache.kafka.tools.ProducerPerformance\` ${'`'}kafka-tools${'`'} at the broker's version, ${fmt(javaRecords)} records of
  ${fmt(recordBytes)} random bytes (the tool sends values only, no key or headers, so its value is as long as our whole
  record; keyless records go through the sticky partitioner), \`--throughput -1\`, \`linger.ms=5\`, \`batch.size=262144\`,
  \`acks=all\`, \`enable.idempotence=true\`, other settings the client's defaults (\`max.in.flight.requests.per.connection=5\`).
  Its own summary line (JVM start-up excluded, its warm-up included).
- **raw**: @platformatic/kafka \`Producer\`, idempotent, acks=all, \`send\` of 1,000 pre-encoded records at a time,
  each awaited (one in flight, as its README shows), the same key, value and headers as ours.
- **KafkaJS**: KafkaJS 2.2.4 + @kafkajs/confluent-schema-registry 4.1.0, idempotent, \`registry.encode\` per record
  with the id looked up once, \`producer.send\` of 1,000 records at a time, each awaited; the same key and headers.
- **ours, pipeline off**: the same publisher with \`sendWorker: { maxInFlight: 1, maxRequestRecords: 10000 }\`: one
  request at a time, each a whole batch, as it sent before issue 12 (the pipeline's before/after in one run).
- **ours**: \`publishInBackground\` of ${fmt(events)} inputs built before the clock runs, then \`flush\`: each call builds and
  validates the event, batches are Avro-encoded on the caller's thread and sent by the send worker.

| peer | events/s (median) | rounds | ours ÷ peer (median of per-round ratios) | per round |
|---|---|---|---|---|
| Java ProducerPerformance | ${fmt(median(results.java))} | ${spread(results.java)} | **${ratio('java')}** | ${ratios('java')} |
| raw @platformatic/kafka | ${fmt(median(results.raw))} | ${spread(results.raw)} | ${ratio('raw')} | ${ratios('raw')} |
| KafkaJS + confluent-schema-registry | ${fmt(median(results.kafkajs))} | ${spread(results.kafkajs)} | **${ratio('kafkajs')}** | ${ratios('kafkajs')} |
| ours, pipeline off (one request at a time) | ${fmt(median(results.serial))} | ${spread(results.serial)} | ${ratio('serial')} | ${ratios('serial')} |
| @grimos/events background publish | ${fmt(median(results.ours))} | ${spread(results.ours)} | 1.00 | |

Goals (issue 12): ours ÷ Java ≥ 0.7; ours ÷ KafkaJS ≥ 2.`
  writeSection(process.env.BENCH_SECTION ?? 'publish', table)
  console.log(table)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
