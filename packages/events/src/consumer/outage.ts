// A dependency outage (registry, database, broker: see dependency.ts) is no fault of the event, so it must not
// spend the retry budget. The record that hit it stays where it is (its key's queue and its offset wait, nothing
// is committed past it) and tries again after a capped exponential backoff, for as long as it takes. This object
// is what those waits share: the health and metrics of the outage, and the wake-up when one record gets through.
import type { Logger } from 'pino'
import type { Dependency } from '../dependency.ts'
import { messageOf } from '../errors.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'

export interface OutageBackoff {
  initialDelayMs: number
  maxDelayMs: number
}

export interface OutageInfo {
  dependency: Dependency
  /** ISO-8601: when the first record of this outage had to wait. */
  since: string
  /** Records waiting for it now. */
  waitingRecords: number
  lastError: string
}

interface Outage {
  since: number
  waiting: number
  lastError: string
  /** Wakes the sleeping waiters once any record got past the dependency. */
  wakers: Set<() => void>
}

export interface OutageMonitorDeps {
  backoff: OutageBackoff
  metrics: ConsumerMetrics
  logger: Logger
  groupId: string
  random?: () => number
}

export class OutageMonitor {
  readonly #deps: OutageMonitorDeps
  readonly #outages = new Map<Dependency, Outage>()

  constructor(deps: OutageMonitorDeps) {
    this.#deps = deps
  }

  get active(): boolean {
    return this.#outages.size > 0
  }

  snapshot(): OutageInfo[] {
    return [...this.#outages].map(([dependency, o]) => ({
      dependency,
      since: new Date(o.since).toISOString(),
      waitingRecords: o.waiting,
      lastError: o.lastError,
    }))
  }

  /** One more record waits for `dependency`; the first one opens the outage (health, gauge, log). */
  hold(dependency: Dependency, error: unknown): void {
    const outage = this.#outages.get(dependency)
    if (outage) {
      outage.waiting++
      outage.lastError = describe(error)
      return
    }
    this.#outages.set(dependency, { since: Date.now(), waiting: 1, lastError: describe(error), wakers: new Set() })
    this.#deps.metrics.dependencyOutage.inc({ dependency })
    this.#deps.logger.warn(
      { err: error, groupId: this.#deps.groupId, dependency },
      `${dependency} unavailable: records wait for it (not counted against their retry budget)`,
    )
  }

  /** A waiting record is done waiting (it got through, moved to another outage, or its partition was revoked). */
  release(dependency: Dependency): void {
    const outage = this.#outages.get(dependency)
    if (!outage || --outage.waiting > 0) return
    this.#outages.delete(dependency)
    this.#deps.metrics.dependencyOutage.dec({ dependency })
    const ms = Date.now() - outage.since
    this.#deps.logger.info({ groupId: this.#deps.groupId, dependency, ms }, `${dependency} outage over after ${ms} ms`)
  }

  /** A record got past `dependency`: the others waiting for it try again now instead of at their next backoff. */
  recovered(dependency: Dependency): void {
    const outage = this.#outages.get(dependency)
    if (!outage) return
    for (const wake of outage.wakers) wake()
    outage.wakers.clear()
  }

  /**
   * Waits before try number `round` (0-based) against `dependency`: exponential, capped, jittered by ±20 %.
   * Resolves true to try again (time is up, or the dependency is back), false once `signal` aborts.
   */
  wait(dependency: Dependency, round: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false)
    this.#deps.metrics.dependencyWaits.inc({ dependency })
    const { initialDelayMs, maxDelayMs } = this.#deps.backoff
    const random = this.#deps.random ?? Math.random
    const delay = Math.min(initialDelayMs * 2 ** Math.min(round, 30), maxDelayMs) * (0.8 + 0.4 * random())
    const wakers = this.#outages.get(dependency)?.wakers
    return new Promise((resolve) => {
      const done = (again: boolean) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        wakers?.delete(wake)
        resolve(again)
      }
      const onAbort = () => done(false)
      const wake = () => done(true)
      const timer = setTimeout(wake, delay)
      signal.addEventListener('abort', onAbort, { once: true })
      wakers?.add(wake)
    })
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const message = messageOf(error)
  return typeof code === 'string' ? `${code}: ${message}` : message
}
