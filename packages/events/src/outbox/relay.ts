import { randomBytes } from 'node:crypto'
import type { AdvisoryLock, Database } from '../db/types.ts'
import { GrimError, isGrimError, isRetryable, messageOf } from '../errors.ts'
import { libraryLogger } from '../logger.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { unsentOf } from '../producer/unsent.ts'
import { backoffDelay } from '../retry/backoff.ts'
import { sleep } from '../sleep.ts'
import { OutboxRelayOptionsSchema, outboxRelayDefaults } from './options.ts'
import { Pause } from './pause.ts'
import { isRowFault } from './row-fault.ts'
import {
  countPending,
  fetchPending,
  markFailed,
  markSent,
  oldestPendingAge,
  purgeSent,
  recordAttemptFailed,
} from './store.ts'
import type { OutboxLogger, OutboxObserver, OutboxPipeline, OutboxPublish, OutboxRow } from './types.ts'

/** The data options come from the schema (options.ts); `backoff` may be given in part. */
export interface OutboxRelayOptions extends Omit<OptionsInput<typeof OutboxRelayOptionsSchema>, 'backoff'> {
  publish: OutboxPublish
  /** Set when `publish` pipelines (see OutboxPipeline); without it one publish is under way at a time. */
  pipeline?: OutboxPipeline
  /** Told about every row marked 'failed' (after it is marked and logged). */
  onFailure?: (row: OutboxRow, error: unknown) => void | Promise<void>
  observer?: OutboxObserver
  logger?: OutboxLogger
  backoff?: Partial<typeof outboxRelayDefaults.backoff>
}

const lockName = 'grimos_outbox_relay'
/**
 * Consecutive rows failing with the same code look like a setup problem (say, the broker's size limit was
 * lowered) rather than bad rows: the row that would make this many stays pending instead of being failed.
 */
export const rowFailureStreakLimit = 3
const codeOf = (error: unknown) => (isGrimError(error) ? error.code : 'unknown')
/** A batch-level failure that retrying alone will not cure: the rows wait until an operator fixes the setup. */
const needsOperator = (error: unknown) =>
  isGrimError(error) && error.code === 'GRIM_OUTBOX_FAILED' && !isRetryable(error.cause)

/**
 * Publishes the outbox, oldest row first, and marks rows sent once `publish` resolved. One relay per database
 * is active (it holds an advisory lock); the others stand by and take over when it stops or dies, so per-key
 * order needs no more than `id` order. Retryable failures keep the rows pending and retry forever with
 * backoff; a crash between the broker's ack and the 'sent' mark re-sends at most that batch (consumers dedupe
 * by event_id).
 *
 * A row that can never be published (a fault of its own, see `isRowFault`) is marked 'failed', logged, and
 * reported to `onFailure`; later rows of the same key are published anyway. Blocking the key instead would stall
 * that user's stream until an operator acts; we prefer a visible gap, kept in the table for repair or replay.
 * Any other non-retryable failure (registry refusing the schema, topic not authorised) is the setup's fault, not
 * the rows': they stay pending, the relay logs an error and backs off, and the backlog flows once it is fixed.
 * So does a streak of `rowFailureStreakLimit` rows failing with the same code.
 */
export class OutboxRelay {
  readonly #db: Database
  readonly #publish: OutboxPublish
  readonly #pipeline: OutboxPipeline
  readonly #onFailure: OutboxRelayOptions['onFailure']
  readonly #observer: OutboxObserver
  readonly #logger: OutboxLogger
  readonly #options: typeof outboxRelayDefaults & { relayId: string }
  readonly #pause = new Pause()
  #running = false
  #loop: Promise<void> | undefined
  #lock: AdvisoryLock | undefined
  #lastCleanup = 0
  /** Rows failed in a row with one code; any successful publish ends the streak. */
  #rowFaults: { code: string; count: number } | undefined

  constructor(db: Database, options: OutboxRelayOptions) {
    const { publish, pipeline, onFailure, observer, logger, backoff, ...tunables } = options
    this.#options = resolveOptions(
      'outbox relay',
      OutboxRelayOptionsSchema,
      { ...outboxRelayDefaults, relayId: `relay-${process.pid}-${randomBytes(3).toString('hex')}` },
      { ...tunables, backoff: { ...outboxRelayDefaults.backoff, ...backoff } },
    )
    this.#db = db
    this.#publish = publish
    this.#pipeline = pipeline ?? { batchesInFlight: 1, resume: () => undefined }
    this.#onFailure = onFailure
    this.#observer = observer ?? {}
    this.#logger = logger ?? libraryLogger('grimos-outbox-relay')
  }

  get relayId(): string {
    return this.#options.relayId
  }

  /** Whether this relay holds the lock and publishes (false while standing by). */
  get active(): boolean {
    return this.#lock !== undefined
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  /** Lets the batch under way finish and be marked, then releases the lock so a standby can take over. */
  async stop(): Promise<void> {
    this.#running = false
    this.#pause.interrupt()
    await this.#loop
    this.#loop = undefined
  }

  /** Publish now rather than at the next poll, e.g. right after a transaction that enqueued events committed. */
  wake(): void {
    this.#pause.wake()
  }

  /** Waits until no row is pending; throws GRIM_SHUTDOWN_TIMEOUT after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const pending = await this.pendingCount()
      if (pending === 0) return
      if (Date.now() >= deadline)
        throw new GrimError('GRIM_SHUTDOWN_TIMEOUT', `outbox still has ${pending} pending rows after ${timeoutMs} ms`, {
          details: { pending, relayId: this.relayId },
        })
      this.wake()
      await sleep(Math.min(50, this.#options.pollIntervalMs))
    }
  }

  async pendingCount(): Promise<number> {
    return await countPending(this.#db)
  }

  /** How long the oldest pending row has waited (the "outbox lag"); 0 when nothing waits. */
  async oldestPendingAgeMs(): Promise<number> {
    return await oldestPendingAge(this.#db)
  }

  async #run(): Promise<void> {
    let failures = 0
    let reportedCode: string | undefined
    while (this.#running) {
      try {
        if (!(await this.#lead())) {
          if (this.#running) await this.#pause.sleep(this.#options.pollIntervalMs, false)
          continue
        }
        await this.#cleanUpWhenDue()
        const published = await this.#relayBatch()
        failures = 0
        reportedCode = undefined
        if (published === 0 && this.#running) await this.#pause.sleep(this.#options.pollIntervalMs, true)
      } catch (error) {
        failures++
        const delayMs = backoffDelay({ ...this.#options.backoff, maxAttempts: Number.POSITIVE_INFINITY }, failures)
        const code = needsOperator(error) ? codeOf((error as GrimError).cause) : undefined
        if (code !== undefined && code !== reportedCode) {
          // Waiting alone will not fix this: say so loudly, once per streak and cause.
          reportedCode = code
          this.#logger.error(
            { relayId: this.relayId, failures, delayMs, err: error },
            `outbox relay cannot publish until its setup is fixed (${code}); rows stay pending, retrying in ${delayMs} ms: ${messageOf(error)}`,
          )
        } else {
          // The full error (with its causes) once per outage; later lines of the same streak just count.
          this.#logger.warn(
            { relayId: this.relayId, failures, delayMs, ...(failures === 1 ? { err: error } : {}) },
            `outbox relay will retry in ${delayMs} ms: ${messageOf(error)}`,
          )
        }
        this.#notify(() => this.#observer.onRetry?.(error))
        // stop() may have come while the batch was failing; it must not wait out the backoff.
        if (this.#running) await this.#pause.sleep(delayMs, false)
      }
    }
    await this.#resign()
  }

  /** Takes or checks the lock; false means another relay is active and this one stands by. */
  async #lead(): Promise<boolean> {
    if (this.#lock) {
      if (await this.#lock.isHeld()) return true
      this.#logger.warn({ relayId: this.relayId }, 'outbox relay lost its lock (database session ended); re-electing')
      // The lock is gone but its reserved connection is not: hand it back to the pool.
      await this.#resign()
    }
    this.#lock = await this.#db.tryAdvisoryLock(lockName)
    if (this.#lock) this.#logger.info({ relayId: this.relayId }, 'outbox relay is active')
    return this.#lock !== undefined
  }

  async #resign(): Promise<void> {
    const lock = this.#lock
    this.#lock = undefined
    try {
      await lock?.release()
    } catch (error) {
      // The lock dies with its session anyway; say so rather than fail the shutdown.
      this.#logger.warn(
        { relayId: this.relayId, err: error },
        `releasing the outbox relay lock failed: ${messageOf(error)}`,
      )
    }
  }

  /**
   * Publishes up to `pipelineBatches` batches back to back; returns how many rows it handled (sent or failed) and
   * throws when a batch must be retried later. The database works beside the broker: while batches are published,
   * the next one is read (leaving out the rows under way) and the oldest acknowledged one is marked sent. With a
   * pipelining publish several batches are under way at once (`OutboxPipeline`); otherwise each is published once
   * the previous one was acknowledged. Either way a key's rows go out in id order, failures included.
   */
  async #relayBatch(): Promise<number> {
    const { batchSize, pipelineBatches } = this.#options
    const underWay: { rows: OutboxRow[]; published: Promise<void> }[] = []
    let rows = await fetchPending(this.#db, batchSize)
    let handled = 0
    let marking: Promise<void> = Promise.resolve()
    let marked: OutboxRow[] = []
    try {
      for (let n = 0; rows.length > 0 || underWay.length > 0; n++) {
        if (rows.length > 0) {
          const published = this.#publish(rows)
          // Awaited in turn below; a rejection must not count as unhandled meanwhile.
          published.catch(() => undefined)
          underWay.push({ rows, published })
        }
        const more = rows.length > 0 && n + 1 < pipelineBatches && this.#running
        // Rows under way or being marked are still 'pending' until their mark commits: left out as well.
        const next = more
          ? fetchPending(
              this.#db,
              batchSize,
              [...marked, ...underWay.flatMap((batch) => batch.rows)].map((r) => r.id),
            )
          : undefined
        // A read that fails while batches settle is reported after them (a rejection nobody awaits yet is not lost).
        next?.catch(() => undefined)
        while (underWay.length > 0 && (underWay.length >= this.#pipeline.batchesInFlight || !next)) {
          const oldest = underWay.shift() as (typeof underWay)[number]
          try {
            await oldest.published
          } catch (error) {
            await Promise.allSettled([next, marking])
            return handled + (await this.#afterFailure(oldest.rows, error, underWay))
          }
          await marking
          marked = oldest.rows
          marking = this.#sent(oldest.rows)
          handled += oldest.rows.length
        }
        rows = next ? await next : []
      }
    } finally {
      // The last mark under way finishes before the relay moves on (stop, backoff, a standby taking over).
      await marking
    }
    return handled
  }

  /**
   * A batch failed: the batches after it fail too, or went out only for keys the failure did not touch. Every row
   * that did go out is marked sent; the failed batch's unsent rows are retried later, or, when one of them is at
   * fault, isolated; later batches' unsent rows stay pending, behind them in id order.
   */
  async #afterFailure(
    rows: OutboxRow[],
    error: unknown,
    later: { rows: OutboxRow[]; published: Promise<void> }[],
  ): Promise<number> {
    const outcomes = await Promise.allSettled(later.map((batch) => batch.published))
    const unsent = unsentOf(rows, error)
    const skipped = new Set(unsent)
    const sent = rows.filter((row) => !skipped.has(row))
    outcomes.forEach((outcome, i) => {
      const laterRows = (later[i] as (typeof later)[number]).rows
      if (outcome.status === 'fulfilled') sent.push(...laterRows)
      else {
        const notSent = new Set(unsentOf(laterRows, outcome.reason))
        sent.push(...laterRows.filter((row) => !notSent.has(row)))
      }
    })
    if (sent.length > 0) await this.#sent(sent)
    this.#pipeline.resume()
    // Only a row's own fault is worth isolating; anything else would fail every row the same way.
    if (!isRowFault(error)) return await this.#retryLater(unsent, error)
    return sent.length + (await this.#relayOneByOne(unsent))
  }

  /** Finds the faulty row(s) of a batch, keeping the others in order. */
  async #relayOneByOne(rows: OutboxRow[]): Promise<number> {
    for (const row of rows) {
      try {
        await this.#publish([row])
      } catch (error) {
        this.#pipeline.resume()
        if (!isRowFault(error)) return await this.#retryLater([row], error)
        const streak = this.#countRowFault(error)
        if (streak >= rowFailureStreakLimit)
          return await this.#retryLater(
            [row],
            error,
            `${streak} outbox rows in a row failed with ${codeOf(error)}, which points at the setup rather than the rows; keeping them pending`,
          )
        await this.#fail(row, error)
        continue
      }
      await this.#sent([row])
    }
    return rows.length
  }

  #countRowFault(error: unknown): number {
    const code = codeOf(error)
    const count = this.#rowFaults?.code === code ? this.#rowFaults.count + 1 : 1
    this.#rowFaults = { code, count }
    return count
  }

  async #sent(rows: OutboxRow[]): Promise<void> {
    this.#rowFaults = undefined
    await markSent(
      this.#db,
      rows.map((r) => r.id),
    )
    this.#notify(() => this.#observer.onPublished?.(rows.length))
  }

  async #retryLater(
    rows: OutboxRow[],
    error: unknown,
    reason = `publishing ${rows.length} outbox rows failed`,
  ): Promise<never> {
    await recordAttemptFailed(
      this.#db,
      rows.map((r) => r.id),
      messageOf(error),
    )
    throw new GrimError('GRIM_OUTBOX_FAILED', `${reason}: ${messageOf(error)}`, {
      cause: error,
      details: { firstId: rows[0]?.id, count: rows.length },
    })
  }

  async #fail(row: OutboxRow, error: unknown): Promise<void> {
    await markFailed(this.#db, row.id, messageOf(error))
    this.#logger.error(
      { relayId: this.relayId, err: error, outboxId: row.id, eventId: row.eventId, topic: row.topic, key: row.key },
      `outbox row ${row.id} (event ${row.eventId}) can never be published and is marked failed: ${messageOf(error)}`,
    )
    this.#notify(() => this.#observer.onFailed?.(row, error))
    try {
      await this.#onFailure?.(row, error)
    } catch (callbackError) {
      this.#logger.error(
        { relayId: this.relayId, err: callbackError, outboxId: row.id },
        `onFailure callback threw for outbox row ${row.id}: ${messageOf(callbackError)}`,
      )
    }
  }

  async #cleanUpWhenDue(): Promise<void> {
    if (Date.now() - this.#lastCleanup < this.#options.cleanupIntervalMs) return
    this.#lastCleanup = Date.now()
    const deleted = await purgeSent(this.#db, this.#options.sentRetentionMs)
    if (deleted > 0) this.#logger.info({ relayId: this.relayId, deleted }, `deleted ${deleted} sent outbox rows`)
  }

  /** A metrics hook must never stop the relay or make it re-send. */
  #notify(hook: () => void): void {
    try {
      hook()
    } catch (error) {
      this.#logger.warn({ relayId: this.relayId, err: error }, `outbox observer hook threw: ${messageOf(error)}`)
    }
  }
}
