// Consumer benchmark: @grimos/events dispatch (Avro decode with the reader schema, validation, handler registry,
// offset tracking and commits) with dedupe off and on, against the raw @platformatic/kafka consumer reading the
// same topic with manual commits, and Kafka's own Java ConsumerPerformance on the same broker and listener. Each run is a fresh consumer group from the beginning of the topic; the clock
// runs from the first record received to the last, so group-join time is left out for everyone.
import {
  createEventConsumer,
  EventPublisher,
  InMemoryProcessedEventStore,
  KafkaAdmin,
  migrateEventsSchema,
  openDatabase,
  PostgresProcessedEventStore,
  type ProcessedEventStore,
  USER_EVENT_TYPES,
} from '@grimos/events'
import { Consumer } from '@platformatic/kafka'
import avro from 'avsc'
import { Registry } from 'prom-client'
import { rawClientSecurity } from '../test/support/raw-client.ts'
import { loginInput } from './events.ts'
import { consumerPerformanceRate } from './java-consumer.ts'
import { type KafkaTool, kafkaTools } from './kafka-tools.ts'
import { fmt, machineLine, median, writeSection } from './report.ts'

const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'
const total = Number(process.env.BENCH_EVENTS ?? 200_000)
// One database transaction per event: timed over the first records only, so a round takes seconds, not minutes.
const postgresEvents = Math.min(total, Number(process.env.BENCH_POSTGRES_EVENTS ?? 20_000))
// Group commit batches the events in flight: the consumer's concurrency is what fills a transaction.
const groupCommitConcurrency = Number(process.env.BENCH_GROUP_COMMIT_CONCURRENCY ?? 512)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
const stamp = Date.now().toString(36)
const topic = `bench.consume.${stamp}`

const distinctUsers = 2_000

/**
 * What a user would write without our library: the raw client, the writer schema fetched once per id from the
 * registry, `type.fromBuffer(value.subarray(5))`, and a function call per event. No validation, no dedupe.
 */
async function rawDecode(group: string): Promise<number> {
  const types = new Map<number, avro.Type>()
  const typeFor = async (id: number) => {
    let type = types.get(id)
    if (!type) {
      const response = await fetch(`${registryUrl}/schemas/ids/${id}`)
      type = avro.Type.forSchema(JSON.parse(((await response.json()) as { schema: string }).schema))
      types.set(id, type)
    }
    return type
  }
  let handled = 0
  const handle = (event: { event_id?: string }) => {
    if (event.event_id) handled++
  }
  return rawLoop(group, async (value) => {
    const id = value.readUInt32BE(1)
    const type = types.get(id) ?? (await typeFor(id))
    handle(type.fromBuffer(value.subarray(5)))
  }).finally(() => {
    if (handled !== total) console.error(`decode peer handled ${handled} of ${total}`)
  })
}

/** A raw consumer of the whole topic from the beginning, manual commits, as both raw variants read it. */
async function rawSubscription(group: string, clientId: string) {
  const consumer = new Consumer({
    clientId,
    groupId: group,
    bootstrapBrokers: [bootstrap],
    groupProtocol: 'classic',
    // The same listener as ours: SASL_SSL on the secure stack.
    ...rawClientSecurity(),
  })
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: 'committed',
    fallbackMode: 'earliest',
  })
  return { consumer, stream }
}

function raw(group: string): Promise<number> {
  return rawLoop(group, undefined)
}

/**
 * The client's other documented style, `stream.on('data')`: nothing is awaited per record, so nothing can be
 * processed asynchronously or in order before the next record arrives. Shown for scale, not as the reference.
 */
async function rawEvents(group: string): Promise<number> {
  const { consumer, stream } = await rawSubscription(group, 'bench-raw-events')
  let first = 0
  let seen = 0
  const elapsed = await new Promise<number>((resolve) =>
    stream.on('data', () => {
      if (seen === 0) first = performance.now()
      if (++seen === total) resolve(performance.now() - first)
    }),
  )
  await stream.close()
  await consumer.close()
  return total / (elapsed / 1000)
}

async function rawLoop(group: string, onValue: ((value: Buffer) => Promise<void> | void) | undefined): Promise<number> {
  const { consumer, stream } = await rawSubscription(group, 'bench-raw')
  let first = 0
  let seen = 0
  let last: { topic: string; partition: number; offset: bigint; leaderEpoch: number } | undefined
  for await (const message of stream) {
    if (seen === 0) first = performance.now()
    seen++
    if (onValue) await onValue(message.value as Buffer)
    last = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset + 1n,
      leaderEpoch: message.leaderEpoch,
    }
    // Same commit cadence as ours (every 500 ms is close to "every few thousand records" here).
    if (seen % 2_000 === 0) await consumer.commit({ offsets: [last] })
    if (seen === total) break
  }
  const elapsed = performance.now() - first
  await stream.close()
  await consumer.close()
  return total / (elapsed / 1000)
}

/**
 * Kafka's ConsumerPerformance (org.apache.kafka.tools, the broker's version) as the Java peer: same broker, same
 * SASL_SSL listener, admin credentials, its default fetch settings (fetch.max.bytes 50 MiB, 1 MiB per partition,
 * socket receive buffer 2 MiB), a fresh group from the earliest offset. Its fetch rate (records per second from the
 * first fetch to the last, group join left out) is the figure, as our clock leaves the join out too.
 */
async function java(tool: KafkaTool, group: string): Promise<number> {
  const out = await tool.run(
    'org.apache.kafka.tools.ConsumerPerformance',
    [
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--messages',
      String(total),
      '--group',
      group,
      '--timeout',
      '30000',
    ],
    '--consumer.config',
    300_000,
  )
  return consumerPerformanceRate(out)
}

async function ours(
  group: string,
  dedupe: ProcessedEventStore | false,
  count = total,
  concurrency: number | undefined = undefined,
): Promise<number> {
  const consumer = createEventConsumer({
    groupId: group,
    topics: [topic],
    dedupe,
    concurrency,
    metricsRegistry: new Registry(),
    metricsIntervalMs: 0,
  })
  let first = 0
  let seen = 0
  const done = new Promise<number>((resolve) => {
    for (const type of USER_EVENT_TYPES) {
      consumer.registerHandler(type, async () => {
        if (seen === 0) first = performance.now()
        seen++
        if (seen === count) resolve(performance.now() - first)
        return { success: true, message: 'counted' }
      })
    }
  })
  await consumer.start()
  const elapsed = await done
  await consumer.stop()
  return count / (elapsed / 1000)
}

async function main() {
  const admin = new KafkaAdmin({ clientId: 'bench-admin' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })
  const publisher = new EventPublisher({
    topic,
    clientId: 'bench-seed',
    queue: { capacity: total, overflow: 'reject', batchSize: 1_000 },
  })
  await publisher.start()
  for (let i = 0; i < total; i++) publisher.publishInBackground(loginInput(i, distinctUsers))
  await publisher.close()
  console.error(`seeded ${total} events on ${topic}`)

  const db = await openDatabase({ url: postgresUrl, schema: `bench_${stamp}` })
  await migrateEventsSchema(db)
  const tool = await kafkaTools()

  // Warm-up, not measured: every variant reads the topic once so that each runs with its hot paths compiled.
  await raw(`bench-warm-raw-${stamp}`)
  await rawEvents(`bench-warm-events-${stamp}`)
  await rawDecode(`bench-warm-dec-${stamp}`)
  await ours(`bench-warm-off-${stamp}`, false)
  await ours(`bench-warm-mem-${stamp}`, new InMemoryProcessedEventStore({ maxEntries: total * 2 }))
  await java(tool, `bench-warm-java-${stamp}`)

  const results: Record<string, number[]> = {
    java: [],
    raw: [],
    events: [],
    decode: [],
    off: [],
    memory: [],
    postgres: [],
    postgresGroup16: [],
    postgresGroup: [],
  }
  for (let round = 0; round < rounds; round++) {
    results.java!.push(await java(tool, `bench-java-${stamp}-${round}`))
    results.raw!.push(await raw(`bench-raw-${stamp}-${round}`))
    results.events!.push(await rawEvents(`bench-events-${stamp}-${round}`))
    results.decode!.push(await rawDecode(`bench-dec-${stamp}-${round}`))
    results.off!.push(await ours(`bench-off-${stamp}-${round}`, false))
    results.memory!.push(
      await ours(`bench-mem-${stamp}-${round}`, new InMemoryProcessedEventStore({ maxEntries: total * 2 })),
    )
    results.postgres!.push(
      await ours(`bench-pg-${stamp}-${round}`, new PostgresProcessedEventStore(db), postgresEvents),
    )
    results.postgresGroup16!.push(
      await ours(
        `bench-pg-group16-${stamp}-${round}`,
        new PostgresProcessedEventStore(db, { groupCommit: {} }),
        postgresEvents,
      ),
    )
    results.postgresGroup!.push(
      await ours(
        `bench-pg-group-${stamp}-${round}`,
        new PostgresProcessedEventStore(db, { groupCommit: {} }),
        postgresEvents,
        groupCommitConcurrency,
      ),
    )
    console.error(
      `round ${round + 1}/${rounds}: ${Object.entries(results)
        .map(([k, v]) => `${k} ${fmt(v.at(-1) ?? 0)}/s`)
        .join(', ')}`,
    )
  }
  await db.exec(`drop schema if exists "bench_${stamp}" cascade`)
  await db.close()
  const existing = await admin.listTopics()
  await admin.deleteTopics([topic, `${topic}.retry`, `${topic}.dlq`].filter((t) => existing.includes(t)))
  await admin.close()

  const rawMedian = median(results.raw!)
  const decodeMedian = median(results.decode!)
  const javaMedian = median(results.java!)
  const row = (label: string, key: string) => {
    const value = median(results[key]!)
    return `| ${label} | ${fmt(value)} | ${(value / javaMedian).toFixed(2)} | ${fmt((value / rawMedian) * 100)}% | ${fmt((value / decodeMedian) * 100)}% |`
  }
  // Per round, side by side: each of our rounds over the Java peer's rate of the same round.
  const perRound = (key: string, over: string) =>
    results[key]!.map((v, i) => (v / (results[over]![i] as number)).toFixed(2)).join(' / ')
  const memoryOverJava = median(results.memory!) / javaMedian
  const groupOverAlone = median(results.postgresGroup!) / median(results.postgres!)
  const markdown = `## Consuming (issue: consumer)

${machineLine()}. ${fmt(total)} \`user_login\` events on a 6-partition topic, ${fmt(distinctUsers)} distinct keys.
Method: after one unmeasured warm-up read by every variant, ${rounds} rounds; in each round every variant reads the whole
topic with a fresh consumer group, one after the other (Java, raw, raw event-based, raw + decode, then ours with dedupe
off, in memory, on PostgreSQL with one transaction per event and with group commit). Time runs from the first record
received to the last. The Java peer is Kafka's own \`org.apache.kafka.tools.ConsumerPerformance\` (kafka-tools at the
broker's version, fetched by Maven, run on the broker's jars) on the same broker and SASL_SSL listener with the admin
credentials and its documented defaults (\`fetch.max.bytes\` 50 MiB, \`max.partition.fetch.bytes\` 1 MiB, a 2 MiB socket
receive buffer, \`max.poll.records\` 500); its figure is its own \`fetch.nMsg.sec\`, from the first fetch to the last with
the group join left out, like ours. It reads and counts records and does nothing with them. The reference ("raw") is
the client's documented async-iterator loop, \`for await (const message of stream)\`, receiving bytes and committing
every 2,000 records: like a handler-based consumer, it finishes each record before taking the next. "Raw
event-based" is the client's other documented style, \`stream.on('data')\` with an empty listener: nothing can be
awaited per record there, so it is shown for scale, not as the target's reference. The decode peer is what a user
would write without our library: the async-iterator loop plus \`type.fromBuffer(value.subarray(5))\` with the writer
schema fetched once by id, and a function call per event (no validation, no ordering, no dedupe). Ours decodes Avro
with the reader schema, checks the business rules, dispatches to a typed async handler (a counter) with per-key
ordering and a concurrency limit, tracks offsets per partition and commits every 500 ms. On PostgreSQL the handler runs
once per event id with its processed mark in the same transaction (\`PostgresProcessedEventStore\`): one transaction
per event (the store's default, with the default concurrency 16), or group commit (\`groupCommit: {}\`: the events in flight
share a transaction, a savepoint each, see docs/dedupe.md) at the default concurrency 16 and with \`concurrency:
${groupCommitConcurrency}\` so that batches fill; all over the first ${fmt(postgresEvents)} events. Medians of the rounds.

| variant | events/s (median) | ÷ Java | ÷ raw | ÷ raw + decode |
|---|---|---|---|---|
${row('Kafka ConsumerPerformance (Java), fetch rate', 'java')}
${row('raw @platformatic/kafka consumer, async iterator (bytes only): the reference', 'raw')}
${row('raw client, event-based, empty listener (bytes only)', 'events')}
${row('raw client + hand-written avsc decode', 'decode')}
${row('@grimos/events, dedupe off', 'off')}
${row('@grimos/events, dedupe in memory (default)', 'memory')}
${row('@grimos/events, dedupe on PostgreSQL, one transaction per event', 'postgres')}
${row('@grimos/events, dedupe on PostgreSQL, group commit (concurrency 16)', 'postgresGroup16')}
${row(`@grimos/events, dedupe on PostgreSQL, group commit (concurrency ${groupCommitConcurrency})`, 'postgresGroup')}

The Java figure depends much on the run: one JVM per round, JIT warm-up inside a short read, and the machine's
load. Issue 12 measured about 570k/s for it on a quiet machine with
200,000 records; read the ratio beside the absolute figures and the rounds, not alone.

Consume and dispatch with dedupe in memory ÷ Java: **${memoryOverJava.toFixed(2)}** (goal ≥ 0.4; per round ${perRound('memory', 'java')}).
Dedupe on PostgreSQL, group commit ÷ one transaction per event: **${groupOverAlone.toFixed(1)}×** at concurrency
${groupCommitConcurrency} (goal ≥ 10×; per round ${perRound('postgresGroup', 'postgres')}), ${(median(results.postgresGroup16!) / median(results.postgres!)).toFixed(1)}× at concurrency 16
(per round ${perRound('postgresGroup16', 'postgres')}). Group commit is opt-in: per-key order across a SIGKILL is not proven with it yet
(docs/dedupe.md).

Per round (events/s): ${Object.entries(results)
    .map(([k, v]) => `${k} ${v.map((x) => fmt(x)).join(' / ')}`)
    .join('; ')}.
Target: dedupe off ≥ 90% of raw.`
  writeSection('consume', markdown)
  console.log(markdown)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
