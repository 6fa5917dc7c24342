// Outbox relay drain: rows already committed in the outbox, a relay started, the time until none is pending
// (start included: the relay's producer connects, the topic and schemas are checked). On PostgreSQL (127.0.0.1,
// database `test`, a schema of its own per round) and on the embedded PGlite (in memory).
import { enqueueUserEvent, KafkaAdmin, migrateEventsSchema, openDatabase, startOutboxRelay } from '@grimos/events'
import pino from 'pino'
import { type Counter, Registry } from 'prom-client'
import { loginInput } from './events.ts'
import { fmt, machineLine, median, profiled, writeSection } from './report.ts'

const rows = Number(process.env.BENCH_OUTBOX_ROWS ?? 20_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const engines = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',')
const stamp = Date.now().toString(36)
const topic = `bench.outbox.${stamp}`
/** Extra relay options as JSON (e.g. '{"batchSize":100}'), to measure levers. */
const relayOptions = JSON.parse(process.env.BENCH_RELAY_OPTIONS ?? '{}') as Record<string, unknown>

async function drainOnce(engine: string, round: number): Promise<{ total: number; startMs: number; steady: number }> {
  const schema = `bench_outbox_${stamp}_${round}`
  const db = await openDatabase(engine === 'postgres' ? { url: postgresUrl, schema } : { schema })
  try {
    await migrateEventsSchema(db)
    // Committed before the clock runs: 100 events per transaction (each still takes its key's advisory lock).
    for (let i = 0; i < rows; i += 100) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(rows, i + 100); j++) await enqueueUserEvent(tx, loginInput(j, 5_000), { topic })
      })
    }
    return await profiled(`outbox-${engine}`, async () => {
      const registry = new Registry()
      const started = performance.now()
      const relay = startOutboxRelay(db, {
        topic,
        clientId: `bench-outbox-${round}`,
        relay: relayOptions,
        metricsRegistry: registry,
        logger: pino({ level: 'warn' }),
      })
      // The first acknowledged batch ends start-up: the rate after it is the steady drain.
      const firstBatch = (async () => {
        const published = registry.getSingleMetric('grimos_events_published_total') as Counter
        for (;;) {
          const { values } = await published.get()
          const sent = values.reduce((sum, v) => sum + v.value, 0)
          if (sent > 0) return { at: performance.now(), sent }
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()
      await relay.drain(300_000)
      const ended = performance.now()
      await relay.stop()
      const first = await firstBatch
      return {
        total: rows / ((ended - started) / 1000),
        startMs: first.at - started,
        steady: (rows - first.sent) / ((ended - first.at) / 1000),
      }
    })
  } finally {
    if (engine === 'postgres') await db.query(`drop schema ${schema} cascade`)
    await db.close()
  }
}

async function main() {
  const admin = new KafkaAdmin({ clientId: 'bench-admin' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })
  const results: Record<string, { total: number; startMs: number; steady: number }[]> = {}
  for (let round = 0; round < rounds; round++) {
    for (const engine of engines) {
      const result = await drainOnce(engine, round)
      results[engine] = [...(results[engine] ?? []), result]
      console.error(
        `round ${round + 1}/${rounds}: ${engine} ${fmt(result.total)} events/s (start ${fmt(result.startMs)} ms, then ${fmt(result.steady)} events/s)`,
      )
    }
  }
  await admin.deleteTopics([topic])
  await admin.close()
  const options = Object.keys(relayOptions).length ? ` Relay options \`${JSON.stringify(relayOptions)}\`.` : ''
  const table = `## Outbox relay drain (issue 12)

${machineLine()}. ${fmt(rows)} \`user_login\` rows committed in the outbox (100 per transaction) before the clock runs;
then \`startOutboxRelay\` with its defaults, timed until \`drain\` saw no pending row: start included (send worker
start, producer connection, topic check, schema registration), every row validated, Avro-encoded, sent (acks=all) and
marked sent. "Start" runs until the first batch is acknowledged (the relay's \`grimos_events_published_total\`, polled
every 2 ms); "steady" is the rate of the rows after it.
One broker, SASL_SSL, a 6-partition topic. ${rounds} rounds; PostgreSQL 127.0.0.1 (\`test\`, a fresh schema per round),
PGlite in memory.${options}

| database | events/s, start included (median) | rounds | start (ms, median) | steady events/s (median) | rounds |
|---|---|---|---|---|---|
${Object.entries(results)
  .map(([engine, runs]) => {
    const list = (pick: (r: (typeof runs)[number]) => number) => runs.map((r) => fmt(pick(r))).join(', ')
    const mid = (pick: (r: (typeof runs)[number]) => number) => fmt(median(runs.map(pick)))
    return `| ${engine} | ${mid((r) => r.total)} | ${list((r) => r.total)} | ${mid((r) => r.startMs)} | ${mid((r) => r.steady)} | ${list((r) => r.steady)} |`
  })
  .join('\n')}

Goal (issue 12): ≥ 30,000 events/s on PostgreSQL.`
  writeSection(process.env.BENCH_SECTION ?? 'outbox', table)
  console.log(table)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
