// Registry unreachable while a stream of every event type flows, with a consumer restarted just before the cut
// (nothing cached). The registry itself keeps running (it is this checkout's, but other cases and tests need it):
// every client reaches it through a loopback TCP proxy, and the proxy is cut. Must hold: no good event in the DLQ,
// the consumer pauses (not ready, reason named) and resumes by itself, a publisher with cached schema ids keeps
// producing, and a publisher that needs a schema it has not used yet fails with a typed error.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { Registry } from 'prom-client'
import { USER_EVENT_TYPES, type UserEventType } from '../../../packages/events/src/catalog/index.ts'
import { createEventConsumer, type EventConsumer } from '../../../packages/events/src/consumer/index.ts'
import { EventPublisher } from '../../../packages/events/src/producer/index.ts'
import { EventSerde } from '../../../packages/events/src/serde/index.ts'
import {
  createCaseTopic,
  dlqDepth,
  SideEffectLedger,
  seqOf,
  topicDepth,
  userIdOf,
  waitUntil,
} from '../../support/chaos.ts'
import { registryUrl } from '../../support/index.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const keys = 50
const cutMs: Record<CaseSize, number> = { short: 10_000, full: 60_000 }
/** The stream runs this long before the cut and after it, at an even rate. */
const marginMs = 4_000
const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' })

const dataByType: Record<UserEventType, Record<string, unknown>> = {
  user_registered: { registration_method: 'self_signup' },
  user_updated: { changed_fields: ['full_name'] },
  user_deleted: { deleted_by: 'self' },
  user_login: { login_method: 'password', outcome: 'success' },
  user_logout: { all_sessions: true },
  user_password_changed: { changed_by: 'user' },
  user_email_verified: { verified_email: 'ada@example.com' },
}

/** Event n of the stream: the types in turn, over `keys` users, `req-<n>` to check per-key order. */
function input(n: number, eventType: UserEventType = USER_EVENT_TYPES[n % USER_EVENT_TYPES.length] as UserEventType) {
  const userData = {
    email: 'ada@example.com',
    is_active: true,
    is_superuser: false,
    roles: ['user'],
    ...dataByType[eventType],
  }
  return {
    eventType,
    userId: userIdOf(n % keys),
    userData,
    metadata: { source: 'chaos-registry', request_id: `req-${n}` },
  } as never
}

export const registryDown: ChaosCase = {
  id: 'registry-down',
  fault: 'registry down 60 s, consumer restarted just before',
  mustHold:
    '0 good events in the DLQ; consumption pauses and resumes by itself; cached ids keep producing; a new schema fails with a clear error',
  method: `Every client reaches the real registry through a loopback TCP proxy (test/support/tcp-proxy.ts); cutting it closes open connections and refuses new ones. An \`EventPublisher\` (sync \`publish\`, every ack awaited) streams events of all seven types in turn over ${keys} keys to a 3-partition topic at an even rate, from ${marginMs / 1000} s before the cut to ${marginMs / 1000} s after it; its schema ids are cached by a first event of each type. A \`createEventConsumer\` (in-memory dedupe) handles the warm-up, is stopped and replaced by a new one with an empty schema cache (same group), and the proxy is cut at once. During the cut its health is sampled every 500 ms, and a second publisher that has never used a schema tries one \`publish\`. After the cut the case waits for every acknowledged event's effect. Lost: acknowledged events with no effect; DLQ: records in \`<topic>.dlq\`; order per key by publish sequence.`,
  events: { short: 18 * 40, full: 68 * 40 },
  timeoutMs: { short: 180_000, full: 400_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const started = performance.now()
  const total = registryDown.events[size]
  const spanMs = cutMs[size] + 2 * marginMs
  const { topic, remove } = await createCaseTopic('chaos-registry-down', 3)
  const proxy = await startTcpProxy(registryUrl, { closeAfterTests: false })
  const ledger = new SideEffectLedger()
  const notes: string[] = []
  const makeConsumer = () => {
    const consumer = createEventConsumer({
      groupId: `${topic}.group`,
      topics: [topic],
      clientId: 'chaos-registry-consumer',
      // A fresh serde: the consumer "restarted", so no schema is cached.
      serde: new EventSerde({ topic, registryUrl: proxy.url, autoRegister: false }),
      retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
      metricsRegistry: new Registry(),
      logger,
    })
    for (const type of USER_EVENT_TYPES)
      consumer.registerHandler(type, async (event) => {
        ledger.record(event.event_id, event.user_id, seqOf(event.metadata.request_id))
        return { success: true, message: 'counted' }
      })
    return consumer
  }
  const publisher = new EventPublisher({
    topic,
    clientId: 'chaos-registry-publisher',
    registryUrl: proxy.url,
    metricsRegistry: new Registry(),
    logger,
  })
  const fresh = new EventPublisher({
    topic,
    clientId: 'chaos-registry-new-schema',
    registryUrl: proxy.url,
    metricsRegistry: new Registry(),
    logger,
  })
  let consumer: EventConsumer | undefined
  try {
    await publisher.start()
    // Warm-up: one event of each type caches every schema id in the publisher and registers the subjects.
    const acknowledged: string[] = []
    let n = 0
    for (; n < USER_EVENT_TYPES.length; n++) acknowledged.push((await publisher.publish(input(n))).eventId)
    consumer = makeConsumer()
    await consumer.start()
    await waitUntil(() => ledger.distinct >= acknowledged.length, 30_000)
    // The stream, and health samples, while the fault plays out.
    const health = { samples: 0, notReady: 0, namedRegistry: 0, notLive: 0, reason: '' }
    let ackedDuringCut = 0
    let publishFailures = 0
    const streamAt = performance.now()
    const stream = (async () => {
      const pause = spanMs / total
      for (; n < total; n++) {
        const due = streamAt + n * pause
        if (due > performance.now()) await sleep(due - performance.now())
        try {
          acknowledged.push((await publisher.publish(input(n))).eventId)
          if (proxy.isCut) ackedDuringCut++
        } catch (error) {
          publishFailures++
          log(`publish ${n} failed: ${(error as Error).message}`)
        }
      }
    })()
    await sleep(marginMs)
    // The restart, just before the cut: the first consumer commits and leaves, a new one with its own empty schema
    // cache joins the same group while the registry is unreachable, so every record it reads needs a lookup.
    await consumer.stop()
    await proxy.cut()
    const cutAt = performance.now()
    consumer = makeConsumer()
    await consumer.start()
    const handledBeforeCut = ledger.distinct
    log(`registry cut ${fmtS(cutAt - streamAt)} into the stream; consumer restarted with an empty schema cache`)
    const sampler = (async () => {
      while (performance.now() - cutAt < cutMs[size] - 500) {
        await sleep(500)
        const h = (consumer as EventConsumer).health()
        health.samples++
        if (!h.ready) health.notReady++
        if (!h.live) health.notLive++
        if (h.details.outages?.some((o) => o.dependency === 'registry')) health.namedRegistry++
        health.reason = h.details.notReadyReason ?? health.reason
      }
    })()
    // A publisher that has never used a schema must fail at once, with a type the caller can act on.
    await sleep(1_000)
    const newSchemaStarted = performance.now()
    const newSchema = await fresh.publish(input(0, 'user_registered')).then(
      () => 'published (unexpected: the registry is cut)',
      (error: { code?: string; message: string }) => `${error.code ?? 'untyped'}: ${error.message}`,
    )
    const newSchemaMs = performance.now() - newSchemaStarted
    await sampler
    const beforeRestore = ledger.distinct - handledBeforeCut
    const dlqDuringCut = await dlqDepth(topic)
    await sleep(Math.max(0, cutMs[size] - (performance.now() - cutAt)))
    await proxy.restore()
    const restoredAt = performance.now()
    const ackedBeforeRestore = [...acknowledged]
    log(`registry restored after ${fmtS(restoredAt - cutAt)}`)
    // Resume time: until everything acknowledged before the restore has its effect (the stream goes on meanwhile).
    const resumed = await waitUntil(() => ledger.lostOf(ackedBeforeRestore) === 0, 60_000, 100)
    const resumeMs = performance.now() - restoredAt
    await stream
    await waitUntil(() => ledger.distinct >= acknowledged.length, 60_000, 100)
    await sleep(2_000)
    const readyAgain = await waitUntil(() => (consumer as EventConsumer).health().ready, 15_000)
    notes.push(
      `during the cut: ${ackedDuringCut} events acknowledged by the publisher with cached ids (${publishFailures} publish calls failed in all), ${beforeRestore} handled by the consumer, ${dlqDuringCut} in the DLQ`,
    )
    notes.push(
      `consumer health over ${health.samples} samples during the cut: not ready ${health.notReady}, registry outage named ${health.namedRegistry}, not live ${health.notLive}; reason: "${health.reason}"`,
    )
    notes.push(`a publisher needing a new schema during the cut: ${newSchema} (after ${fmtS(newSchemaMs)})`)
    notes.push(
      resumed
        ? `the ${fmt(ackedBeforeRestore.length)} events acknowledged before the restore were all handled ${fmtS(resumeMs)} after the registry was back; ready again: ${readyAgain}`
        : `events acknowledged before the restore still unhandled 60 s after it: ${ledger.lostOf(ackedBeforeRestore)}; ready: ${readyAgain}`,
    )
    const records = await topicDepth(topic)
    return {
      injected: `registry unreachable for ${fmtS(cutMs[size])} through a cut proxy, consumer restarted with no cached schema just before, ${fmt(total)} events of all 7 types streamed over ${fmtS(spanMs)}`,
      events: acknowledged.length,
      lost: ledger.lostOf(acknowledged),
      doubledEffects: ledger.doubled,
      redelivered: Math.max(records - acknowledged.length, 0),
      inDlq: await dlqDepth(topic),
      outOfOrder: ledger.outOfOrder,
      wallMs: performance.now() - started,
      notes,
      measures: {
        ackedDuringCut,
        handledDuringCut: beforeRestore,
        healthSamples: health.samples,
        notReadySamples: health.notReady,
        registryNamedSamples: health.namedRegistry,
        notLiveSamples: health.notLive,
        newSchemaTyped: newSchema.startsWith('GRIM_REGISTRY_UNAVAILABLE') ? 1 : 0,
        newSchemaMs,
        resumeMs: resumed ? resumeMs : -1,
        readyAgain: readyAgain ? 1 : 0,
      },
    }
  } finally {
    await proxy.restore()
    await consumer?.stop().catch((error: unknown) => log(`consumer stop failed: ${(error as Error).message}`))
    await publisher.close(10_000).catch(() => undefined)
    await fresh.close(10_000).catch(() => undefined)
    await proxy.close()
    await remove()
  }
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const fmt = (n: number) => n.toLocaleString('en-US')
