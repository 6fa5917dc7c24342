// End-to-end latency: `publishInBackground` → the handler starts, in one process (publisher and consumer share
// its event loop, as a service that consumes its own events would), paced at fixed rates; and the first event
// after `EventPublisher.start()`, with a fresh publisher each time. Also the sync `publish` round trip.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { createEventConsumer, EventPublisher, KafkaAdmin, USER_EVENT_TYPES } from '@grimos/events'
import { type Histogram, Registry } from 'prom-client'
import { loginInput } from './events.ts'
import { fmt, machineLine, median, percentile, writeSection } from './report.ts'

const rates = (process.env.BENCH_RATES ?? '1000,5000,20000').split(',').map(Number)
const seconds = Number(process.env.BENCH_SECONDS ?? 6)
/** The first second of each rate is left out: steady state only. */
const settleSeconds = 1
const starts = Number(process.env.BENCH_STARTS ?? 5)
const syncSends = Number(process.env.BENCH_SYNC ?? 500)
const topic = `bench.latency.${Date.now().toString(36)}`
const input = (i: number) => loginInput(i, 5_000)

const sentAt = new Map<string, number>()
const latencies: number[] = []
let recording = false
/** Garbage-collection pauses of this process while recording (ms): where a tail can come from besides the broker. */
const gcPauses: number[] = []
new PerformanceObserver((list) => {
  if (recording) for (const entry of list.getEntries()) gcPauses.push(entry.duration)
}).observe({ entryTypes: ['gc'] })

async function main() {
  const admin = new KafkaAdmin({ clientId: 'bench-admin' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })
  const consumer = createEventConsumer({
    groupId: `bench-latency-${Date.now().toString(36)}`,
    topics: [topic],
    fromBeginning: false,
    metricsRegistry: new Registry(),
    metricsIntervalMs: 0,
  })
  let seen: (() => void) | undefined
  for (const type of USER_EVENT_TYPES) {
    consumer.registerHandler(type, async (event) => {
      const at = sentAt.get(event.event_id)
      if (at !== undefined) {
        if (recording) latencies.push(performance.now() - at)
        sentAt.delete(event.event_id)
        seen?.()
      }
      return { success: true, message: 'timed' }
    })
  }
  await consumer.start()
  const registry = new Registry()

  // Joins the group (and gets its partitions) before anything is timed.
  const warm = new EventPublisher({ topic, clientId: 'bench-latency-warm', metricsRegistry: registry })
  await warm.start()
  for (let tries = 0; ; tries++) {
    const arrived = new Promise<void>((resolve) => (seen = resolve))
    const { eventId } = warm.publishInBackground(input(tries))
    sentAt.set(eventId, performance.now())
    const ok = await Promise.race([arrived.then(() => true), new Promise((r) => setTimeout(() => r(false), 2_000))])
    if (ok) break
    if (tries > 30) throw new Error('the consumer never got an event')
  }
  await warm.close()

  // The first event after start(): a new publisher each time, the consumer already in place.
  const firsts: number[] = []
  const firstSecond: number[] = []
  for (let n = 0; n < starts; n++) {
    const publisher = new EventPublisher({ topic, clientId: `bench-latency-start-${n}`, metricsRegistry: registry })
    await publisher.start()
    const arrived = new Promise<void>((resolve) => (seen = resolve))
    const t0 = performance.now()
    const { eventId } = publisher.publishInBackground(input(n))
    sentAt.set(eventId, t0)
    await arrived
    firsts.push(performance.now() - t0)
    // The rest of the first second after start(), at 5k/s.
    latencies.length = 0
    recording = true
    await paced(publisher, 5_000, 1)
    recording = false
    firstSecond.push(...latencies)
    await publisher.close()
  }

  const steady: {
    rate: number
    sorted: number[]
    achieved: number
    ack: string
    gc: number[]
    loopDelay: { p99: number; max: number }
  }[] = []
  const publisher = new EventPublisher({
    topic,
    clientId: 'bench-latency',
    metricsRegistry: registry,
    queue: { capacity: 100_000, overflow: 'reject', batchSize: 1_000 },
  })
  await publisher.start()
  const ackHistogram = registry.getSingleMetric('grimos_publish_duration_seconds') as Histogram
  const loop = monitorEventLoopDelay({ resolution: 1 })
  for (const rate of rates) {
    await paced(publisher, rate, settleSeconds)
    latencies.length = 0
    gcPauses.length = 0
    ackHistogram.reset()
    loop.reset()
    loop.enable()
    recording = true
    const achieved = await paced(publisher, rate, seconds - settleSeconds)
    recording = false
    loop.disable()
    await drain()
    steady.push({
      rate,
      achieved,
      sorted: [...latencies].sort((a, b) => a - b),
      ack: await ackPercentiles(ackHistogram),
      gc: [...gcPauses],
      loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    })
    console.error(
      `${rate}/s: p50 ${fmt(percentile(steady.at(-1)!.sorted, 50), 2)} ms, p99 ${fmt(percentile(steady.at(-1)!.sorted, 99), 2)} ms`,
    )
  }
  const sync: number[] = []
  for (let i = 0; i < syncSends; i++) {
    const t0 = performance.now()
    await publisher.publish(input(i))
    sync.push(performance.now() - t0)
  }
  sync.sort((a, b) => a - b)
  await publisher.close()
  await consumer.stop()
  await admin.deleteTopics([topic])
  await admin.close()

  const firstSorted = [...firstSecond].sort((a, b) => a - b)
  const row = (label: string, sorted: number[], extra = '') =>
    `| ${label} | ${fmt(sorted.length)}${extra} | ${fmt(percentile(sorted, 50), 2)} | ${fmt(percentile(sorted, 99), 2)} | ${fmt(percentile(sorted, 99.9), 2)} | ${fmt(sorted.at(-1) ?? Number.NaN, 2)} |`
  const table = `## End to end (e2e): latency in steady state and after start() (issue 12)

${machineLine()}. One broker, SASL_SSL, a 6-partition topic, \`user_login\` events (${fmt(5_000)} keys). Publisher and
consumer (\`createEventConsumer\`, dedupe in memory, default options) in one process: the time runs from the
\`publishInBackground\` call to the start of the handler. Rates are paced in 1 ms ticks; each rate runs ${seconds} s and
its first ${settleSeconds} s is left out (steady state). After start(): ${starts} times a new \`EventPublisher\` is started
(\`start()\` resolved) with the consumer already in place, one event is published and timed, then the rest of that
first second runs at 5k/s. Sync: ${fmt(syncSends)} sequential \`publish\` calls (acks=all), from the caller's thread.

| what | events | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) |
|---|---|---|---|---|---|
${steady.map((s) => row(`steady ${fmt(s.rate)}/s`, s.sorted, ` (${fmt(s.achieved)}/s achieved)`)).join('\n')}
${row('first second after start(), 5k/s', firstSorted)}
${row('sync publish round trip', sync)}

Where the time goes, per steady rate: the publisher's own publish → broker acknowledgement (its
\`grimos_publish_duration_seconds\` histogram, so bucket bounds: "p99 ≤ 25 ms" means the 99th percentile fell in the
bucket ending at 25 ms), this process's garbage-collection pauses and its event-loop delay (\`monitorEventLoopDelay\`,
1 ms resolution) while recording. An event that waits behind a blocked loop waits in both the publisher and the
consumer, which share it.

| rate | publish → ack p50 / p99 | GC pauses (count, total, longest) | event-loop delay p99 / max |
|---|---|---|---|
${steady.map((s) => `| ${fmt(s.rate)}/s | ${s.ack} | ${fmt(s.gc.length)}, ${fmt(sum(s.gc), 0)} ms, ${fmt(Math.max(0, ...s.gc), 1)} ms | ${fmt(s.loopDelay.p99, 1)} / ${fmt(s.loopDelay.max, 1)} ms |`).join('\n')}

First event after \`start()\`: ${firsts.map((v) => fmt(v, 1)).join(', ')} ms (median ${fmt(median(firsts), 1)} ms).
Goals (issue 12): p99 ≤ 10 ms at 5k/s, ≤ 25 ms at 20k/s; the first event after start() ≤ 50 ms.`
  writeSection('e2e', table)
  console.log(table)
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/** p50 and p99 of a latency histogram, as the upper bounds of the buckets they fall in. */
async function ackPercentiles(histogram: Histogram): Promise<string> {
  const { values } = await histogram.get()
  const buckets = values
    .filter((v) => v.metricName?.endsWith('_bucket') && v.labels.mode === 'background')
    .map((v) => ({ le: Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le)
  const total = buckets.at(-1)?.count ?? 0
  const bound = (p: number) => {
    const le = buckets.find((b) => b.count >= (total * p) / 100)?.le ?? Number.NaN
    return Number.isFinite(le) ? `≤ ${fmt(le * 1000)} ms` : '> 10 s'
  }
  return total ? `${bound(50)} / ${bound(99)}` : 'none recorded'
}

/** Publishes at `rate` events/s for `secs` seconds; resolves with the rate achieved. */
async function paced(publisher: EventPublisher, rate: number, secs: number): Promise<number> {
  const started = performance.now()
  const end = started + secs * 1000
  let sent = 0
  let i = 0
  for (let now = started; now < end; now = performance.now()) {
    const due = Math.floor(((now - started) / 1000) * rate)
    for (; sent < due; sent++) {
      const { eventId } = publisher.publishInBackground(input(i++))
      sentAt.set(eventId, performance.now())
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return sent / ((performance.now() - started) / 1000)
}

/** Waits until every timed event reached its handler (bounded). */
async function drain(): Promise<void> {
  const deadline = Date.now() + 30_000
  while (sentAt.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  if (sentAt.size > 0) throw new Error(`${sentAt.size} events never reached the handler`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
