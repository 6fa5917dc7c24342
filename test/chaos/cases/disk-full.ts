// The publisher's spill file on a full disk. Background publishing fails (the publisher is pointed at a closed
// loopback port: no broker answers), so every batch ends in the spill file, which sits on a 64 KiB tmpfs filled
// up to a little headroom: the first failed events fit, the rest cannot be written. Must hold: the events that
// could not be spilled are reported to the caller (GRIM_SPILL_FAILED with every event id, to the per-call and the
// publisher-wide onFailure) and counted (`grimos_events_published_total{outcome="unspilled"}`); the spilled ones
// reach the broker once a publisher with a working broker starts on the same file. None may vanish in silence.
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { GrimError } from '../../../packages/events/src/errors.ts'
import { EventPublisher } from '../../../packages/events/src/producer/index.ts'
import { SpillFile } from '../../../packages/events/src/producer/spill.ts'
import { createCaseTopic, freePort, userIdOf, waitUntil } from '../../support/chaos.ts'
import { chaosLoginInput, readAll } from '../../support/index.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const keys = 100
/** Left free on the tmpfs after filling it: room for the first few spilled events, not for the rest. */
const headroomBytes = 16 * 1024
const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' })

export const diskFull: ChaosCase = {
  id: 'disk-full',
  fault: 'disk full for the spill file',
  mustHold: 'a clear error and a metric; no silent loss',
  method: `A 64 KiB tmpfs is mounted on a fresh directory and filled with a file until ENOSPC, then ${headroomBytes / 1024} KiB are given back. An \`EventPublisher\` whose \`bootstrapBrokers\` is a closed loopback port (short timeouts, 2 attempts, batches of 200) and whose spill file is on that tmpfs gets a stream of \`publishInBackground\` calls, each with its own onFailure. Every failure reported to either callback is recorded by event id and error code. Then the filler is removed (space freed) and a second publisher on the real broker and the same spill file re-sends what was spilled, with one trickle event at a time until the file is empty; the topic is read back by event_id. Lost: events neither in the topic nor reported to the caller as GRIM_SPILL_FAILED. The tmpfs is unmounted at the end.`,
  events: { short: 2_000, full: 20_000 },
  timeoutMs: { short: 120_000, full: 300_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const total = diskFull.events[size]
  const started = performance.now()
  const { topic, remove } = await createCaseTopic('chaos-disk-full', 3)
  const mountDir = mkdtempSync(join(tmpdir(), 'grimos-chaos-diskfull-'))
  let mounted = false
  const notes: string[] = []
  const metrics = new Registry()
  const perCall = new Map<string, string>()
  const publisherWide = new Map<string, string>()
  const spillFailedIds = new Set<string>()
  let publishers: EventPublisher[] = []
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountDir])
    mounted = true
    const filler = join(mountDir, 'filler')
    const free = fill(filler)
    log(`tmpfs mounted at ${mountDir}, filled (${free} bytes written), ${headroomBytes} bytes given back`)
    const spillFile = join(mountDir, 'spill', 'events.ndjson')
    const failing = new EventPublisher({
      topic,
      clientId: 'chaos-disk-full',
      bootstrapBrokers: [`127.0.0.1:${await freePort()}`],
      ensureTopic: false,
      requestTimeoutMs: 200,
      deadlineMs: 1_000,
      retry: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0.2, maxAttempts: 2 },
      queue: { capacity: total, overflow: 'reject', batchSize: 200 },
      spillFile,
      metricsRegistry: metrics,
      logger,
      onBackgroundFailure: (event, error) => publisherWide.set(event.event_id, error.code),
    })
    publishers.push(failing)
    await failing.start()
    const accepted: string[] = []
    for (let n = 0; n < total; n++) {
      const { eventId } = failing.publishInBackground(chaosLoginInput(userIdOf(n % keys), n), (event, error) => {
        perCall.set(event.event_id, error.code)
        if (error.code === 'GRIM_SPILL_FAILED' && error instanceof GrimError) {
          for (const id of (error.details as { eventIds?: string[] }).eventIds ?? []) spillFailedIds.add(id)
        }
      })
      accepted.push(eventId)
    }
    await failing.flush(120_000).catch((error: unknown) => log(`flush: ${(error as Error).message}`))
    await waitUntil(() => publisherWide.size >= total, 30_000)
    const spilledOnDisk = await new SpillFile(spillFile).count()
    const unspilledMetric = await publishedCount(metrics, 'unspilled')
    const spilledMetric = await publishedCount(metrics, 'spilled')
    await failing.close(5_000).catch(() => undefined)
    publishers = []

    // Space is freed; a publisher with a working broker takes over the spill file and re-sends it.
    rmSync(filler)
    const healthy = new EventPublisher({
      topic,
      clientId: 'chaos-disk-full-resend',
      spillFile,
      metricsRegistry: new Registry(),
      logger,
    })
    publishers.push(healthy)
    await healthy.start()
    let trickle = 0
    const emptied = await waitUntil(
      async () => {
        await healthy.publish(chaosLoginInput(userIdOf(0), total + trickle++))
        return (await new SpillFile(spillFile).count()) === 0
      },
      60_000,
      250,
    )
    const inTopic = new Set((await readAll(topic)).map((record) => record.headers.get('event_id')?.toString() ?? ''))
    const codes = (map: Map<string, string>) => {
      const counts = new Map<string, number>()
      for (const code of map.values()) counts.set(code, (counts.get(code) ?? 0) + 1)
      return [...counts].map(([code, n]) => `${code} ${n}`).join(', ') || 'none'
    }
    const acked = accepted.filter((id) => inTopic.has(id)).length
    const reportedUnspilled = accepted.filter((id) => perCall.get(id) === 'GRIM_SPILL_FAILED').length
    // Reported as not kept and yet delivered: the caller, told to keep them, may send them a second time.
    const reportedAndDelivered = accepted.filter(
      (id) => inTopic.has(id) && perCall.get(id) === 'GRIM_SPILL_FAILED',
    ).length
    const silent = accepted.filter((id) => !inTopic.has(id) && perCall.get(id) !== 'GRIM_SPILL_FAILED')
    const notReportedBoth = accepted.filter((id) => perCall.get(id) !== publisherWide.get(id)).length
    const idsMissingFromError = accepted.filter(
      (id) => perCall.get(id) === 'GRIM_SPILL_FAILED' && !spillFailedIds.has(id),
    ).length
    notes.push(
      `${fmt(total)} events accepted; per-call onFailure: ${codes(perCall)}; publisher-wide onFailure: ${codes(publisherWide)}; ${notReportedBoth} events reported differently to the two callbacks`,
    )
    notes.push(
      `metric grimos_events_published_total: unspilled ${unspilledMetric}, spilled ${spilledMetric}; ${spilledOnDisk} events were in the spill file when the failing publisher was done`,
    )
    notes.push(
      `GRIM_SPILL_FAILED errors name every event id of their batch: ${idsMissingFromError === 0 ? 'yes' : `no, ${idsMissingFromError} ids missing`}`,
    )
    notes.push(
      `after the space was freed: spill file ${emptied ? 'emptied' : 'NOT emptied in 60 s'} by a publisher on the real broker (${trickle} trickle events); ${acked} of the accepted events are in the topic, ${reportedUnspilled} were reported as not kept (${reportedAndDelivered} of them in the topic all the same), ${silent.length} neither`,
    )
    return {
      injected: `spill file on a full 64 KiB tmpfs (${headroomBytes / 1024} KiB headroom) while background publishing fails (broker address a closed port); ${fmt(total)} events`,
      events: total,
      lost: silent.length,
      doubledEffects: 0,
      redelivered: 0,
      inDlq: 0,
      outOfOrder: 0,
      wallMs: performance.now() - started,
      notes,
      measures: {
        acked,
        reportedUnspilled,
        unspilledMetric,
        spilledMetric,
        spilledOnDisk,
        notReportedBoth,
        idsMissingFromError,
        emptied: emptied ? 1 : 0,
        reportedAndDelivered,
      },
    }
  } finally {
    for (const publisher of publishers) await publisher.close(5_000).catch(() => undefined)
    if (mounted) execFileSync('umount', [mountDir])
    rmdirSync(mountDir)
    await remove()
  }
}

/** Writes zeros into `path` until the file system is full, then gives `headroomBytes` back; returns bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(4096)
  let written = 0
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break
        throw error
      }
    }
    ftruncateSync(fd, Math.max(0, written - headroomBytes))
    return written
  } finally {
    closeSync(fd)
  }
}

async function publishedCount(registry: Registry, outcome: string): Promise<number> {
  const metric = registry.getSingleMetric('grimos_events_published_total')
  const values = metric ? (await metric.get()).values : []
  return values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0)
}

const fmt = (n: number) => n.toLocaleString('en-US')
