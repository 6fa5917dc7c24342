// Broker SIGKILL + restart while a background publisher streams events to a consumer with dedupe. The publisher
// keeps going through the outage (its queue, then its spill file, holds what the broker cannot take); the consumer
// keeps running and resumes by itself. Every accepted event must have its side effect exactly once, in publish
// order per key; duplicates in the topic or redeliveries are allowed (at-least-once) but must be absorbed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { Registry } from 'prom-client'
import { kafkaAnswers } from '../../../infra/stack/kafka.ts'
import { createEventConsumer } from '../../../packages/events/src/consumer/index.ts'
import { InMemoryProcessedEventStore } from '../../../packages/events/src/dedupe/index.ts'
import { EventPublisher } from '../../../packages/events/src/producer/index.ts'
import { SpillFile } from '../../../packages/events/src/producer/spill.ts'
import {
  createCaseTopic,
  dlqDepth,
  killBroker,
  outcomeCount,
  restartInfrastructure,
  SideEffectLedger,
  seqOf,
  topicDepth,
  userIdOf,
  waitUntil,
} from '../../support/chaos.ts'
import { chaosLoginInput } from '../../support/index.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const keys = 1_000
/** Publishing is spread over this long, so the outage falls in the middle of the stream, not after it. */
const publishSpanMs: Record<CaseSize, number> = { short: 6_000, full: 20_000 }
/** How long the broker stays dead before the restart begins (the JVM start adds several seconds). */
const deadMs = 3_000

const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' })

export const brokerKill: ChaosCase = {
  id: 'broker-kill',
  fault: 'broker SIGKILL + restart during the stream',
  mustHold: '0 lost; duplicates only where at-least-once allows, deduped by the consumer (0 doubled side effects)',
  method:
    'One `EventPublisher` (`publishInBackground`, queue 10,000, overflow to the spill file) publishes `user_login` events over 1,000 keys to a 6-partition topic in 100 even slices; one `createEventConsumer` (in-memory dedupe, the default) counts each handler side effect in a map keyed by event_id and checks per key that effects follow publish order. After 30% of the slices the broker process group gets SIGKILL, stays dead 3 s, then `infra/stack` starts it again; publishing goes on meanwhile. After the last slice the publisher is flushed until its spill file is empty, then the case waits for every accepted event to have its effect.',
  events: { short: 5_000, full: 100_000 },
  timeoutMs: { short: 240_000, full: 600_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const total = brokerKill.events[size]
  const started = performance.now()
  const { topic, remove } = await createCaseTopic('chaos-broker-kill', 6)
  const spillDir = mkdtempSync(join(tmpdir(), 'grimos-chaos-spill-'))
  const spillFile = join(spillDir, 'events.ndjson')
  const ledger = new SideEffectLedger()
  const accepted: string[] = []
  const metrics = new Registry()
  let spilledEvents = 0
  let refused = 0
  const publisher = new EventPublisher({
    topic,
    clientId: 'chaos-broker-kill',
    requestTimeoutMs: 1_000,
    deadlineMs: 5_000,
    retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000, jitter: 0.2, maxAttempts: 10 },
    queue: { capacity: 10_000, overflow: 'spill', batchSize: 500 },
    spillFile,
    metricsRegistry: new Registry(),
    logger,
    onBackgroundFailure: () => spilledEvents++,
  })
  // One store for this consumer and, if it dies, the replacement below: dedupe as one long-lived process has it.
  const store = new InMemoryProcessedEventStore({ maxEntries: 500_000 })
  const makeConsumer = (registry: Registry) => {
    const made = createEventConsumer({
      groupId: `${topic}.group`,
      topics: [topic],
      clientId: 'chaos-broker-kill-consumer',
      retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
      dedupe: store,
      metricsRegistry: registry,
      logger,
    })
    made.registerHandler('user_login', async (event) => {
      ledger.record(event.event_id, event.user_id, seqOf(event.metadata.request_id))
      return { success: true, message: 'counted' }
    })
    return made
  }
  let consumer = makeConsumer(metrics)
  const notes: string[] = []
  let injected = ''
  /** Event n, unless refused to the caller (GRIM_QUEUE_FULL): then not accepted, so not expected; counted. */
  const tryPublish = (n: number) => {
    try {
      accepted.push(publisher.publishInBackground(chaosLoginInput(userIdOf(n % keys), n)).eventId)
    } catch (error) {
      if ((error as { code?: string }).code !== 'GRIM_QUEUE_FULL') throw error
      refused++
    }
  }
  try {
    await publisher.start()
    await consumer.start()
    const slice = Math.ceil(total / 100)
    const pause = publishSpanMs[size] / 100
    let restart: Promise<number> | undefined
    for (let s = 0, n = 0; s < 100 && n < total; s++) {
      for (let i = 0; i < slice && n < total; i++, n++) tryPublish(n)
      if (s === 29) {
        const killedAt = performance.now()
        const pid = await killBroker()
        log(`broker pid ${pid} SIGKILLed after ${accepted.length} events; ${ledger.distinct} handled so far`)
        injected = `SIGKILL of the broker after ${accepted.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events (published over ${publishSpanMs[size] / 1000} s), restart ${deadMs / 1000} s later`
        restart = sleep(deadMs)
          .then(() => restartInfrastructure())
          .then(() => performance.now() - killedAt)
      }
      await sleep(pause)
    }
    const outageMs = await restart
    if (refused > 0) {
      notes.push(
        `${refused.toLocaleString('en-US')} publishInBackground calls were refused with GRIM_QUEUE_FULL by the end of the stream (queue 10,000, overflow to the spill file: the queue still caps at 2× capacity)`,
      )
    }
    notes.push(`broker answering again ${fmtS(outageMs ?? 0)} after the SIGKILL (${deadMs / 1000} s dead + start-up)`)
    log(`published ${accepted.length}; broker back after ${fmtS(outageMs ?? 0)}`)

    // Spilled events go out only with a later send (at most one re-send attempt per retry.maxDelayMs): a flush
    // with nothing queued sends nothing, so an idle publisher keeps its spill file until the next publish or start.
    // Like a live service, keep a trickle of new events going until the file is empty; they are checked too.
    const spill = new SpillFile(spillFile)
    let trickled = 0
    const emptied = await waitUntil(
      async () => {
        tryPublish(total + trickled++)
        await publisher.flush(30_000)
        return (await spill.count()) === 0
      },
      120_000,
      250,
    )
    notes.push(
      `after the stream, ${trickled} trickle events (one per 250 ms) until the spill file was ${emptied ? 'empty' : `still not empty after 120 s (${await spill.count()} events)`}`,
    )
    const expected = new Set(accepted)
    const drainedAt = performance.now()
    await waitUntil(() => ledger.distinct >= expected.size, size === 'full' ? 90_000 : 60_000)
    // A short grace: a late redelivery would show up as a doubled effect.
    await sleep(2_000)
    notes.push(`waited ${fmtS(performance.now() - drainedAt)} for the effects after the publisher was flushed`)
    const health = consumer.health()
    if (ledger.distinct < expected.size) notes.push(`consumer health at the end: ${JSON.stringify(health)}`)
    const measured = { lost: ledger.lostOf(expected), doubled: ledger.doubled, outOfOrder: ledger.outOfOrder }
    if (health.details.state === 'failed') {
      // The counts above stand (the consumer did not resume by itself). For the diagnosis only: does a consumer
      // started again by hand, same group and dedupe store, deliver the rest once and in order?
      await consumer.stop().catch(() => undefined)
      consumer = makeConsumer(new Registry())
      await consumer.start()
      await waitUntil(() => ledger.distinct >= expected.size, 60_000)
      await sleep(2_000)
      notes.push(
        `diagnosis: a consumer restarted by hand (same group, same dedupe store) then left ${ledger.lostOf(expected)} lost, ${ledger.doubled} doubled, ${ledger.outOfOrder} out of order`,
      )
    }
    const records = await topicDepth(topic)
    const duplicateOutcomes = await outcomeCount(metrics, 'duplicate')
    notes.push(
      `${spilledEvents.toLocaleString('en-US')} events went through the spill file; topic holds ${records.toLocaleString('en-US')} records for ${expected.size.toLocaleString('en-US')} events; consumer saw ${duplicateOutcomes} duplicates (dedupe)`,
    )
    return {
      injected,
      events: expected.size,
      lost: measured.lost,
      doubledEffects: measured.doubled,
      redelivered: Math.max(records - expected.size, 0) + duplicateOutcomes,
      inDlq: await dlqDepth(topic),
      outOfOrder: measured.outOfOrder,
      wallMs: performance.now() - started,
      notes,
    }
  } finally {
    // The broker must be back whatever failed, or the next case (and the user's stack) is left without one.
    if (!(await kafkaAnswers(2_000).catch(() => false))) await restartInfrastructure()
    await consumer.stop().catch((error: unknown) => log(`consumer stop failed: ${(error as Error).message}`))
    await publisher.close(10_000).catch((error: unknown) => log(`publisher close failed: ${(error as Error).message}`))
    await remove()
    rmSync(spillDir, { recursive: true, force: true })
  }
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`
