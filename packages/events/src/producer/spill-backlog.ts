// Background events that failed every retry wait in the spill file, and go out again before anything newer, so one
// user's events keep their order. This object owns that backlog for the publisher: whether events wait on disk
// (`pending`), keeping failed batches (keep-failed.ts), and re-sending the file: beside the queue's pipe to disk,
// on a timer while idle, and at start. Every operation on the file itself runs in turn (spill.ts).
import type { Logger } from 'pino'
import { type UserEvent, validateUserEvent } from '../catalog/index.ts'
import { GrimError, messageOf } from '../errors.ts'
import type { ProducerMetrics } from '../metrics/producer.ts'
import { type FailedEvent, type FailureCallback, keepFailed } from './keep-failed.ts'
import { SpillFile, type TakenSpill } from './spill.ts'

export interface SpillBacklogDeps {
  file: string
  log: Logger
  metrics: ProducerMetrics
  onBackgroundFailure: FailureCallback | undefined
  /** How often a re-send is tried while events wait (the retry policy's maximum delay). */
  retryEveryMs: number
  /** Sends spilled events again, oldest first, in batches; throws when the broker refused. */
  resend(events: UserEvent[]): Promise<void>
  /** Runs before each re-send: batches in flight settle (and are kept) first, then the worker may send again. */
  beforeResend(): Promise<void>
  /** Whether a re-send may start on its own (the publisher started and is not closed). */
  mayResend(): boolean
}

export class SpillBacklog {
  readonly #deps: SpillBacklogDeps
  readonly #file: SpillFile
  /** Unknown until checked at start: until then, assume events wait. */
  #pending = true
  /** Counts appends, so a re-send knows whether events joined the file after it took the file. */
  #appends = 0
  #lastAttempt = 0
  #drain: Promise<void> | undefined
  /** Set once a pass of the running re-send reached the broker: newer batches then wait for it to finish. */
  #gotThrough = false
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(deps: SpillBacklogDeps) {
    this.#deps = deps
    this.#file = new SpillFile(deps.file)
  }

  /** Events wait in the spill file: newer ones must not overtake them (per-key order). */
  get pending(): boolean {
    return this.#pending
  }

  /** From now on newer events join the file (the queue overflowed to disk). */
  markPending(): void {
    this.#pending = true
  }

  /** At start: nothing kept by an earlier run (the usual case) means straight to Kafka; else a re-send now. */
  async checkAtStart(): Promise<void> {
    if (this.#appends === 0 && (await this.#file.count()) === 0) this.#pending = false
    if (this.#pending) this.#schedule(0)
  }

  /** Keeps failed events on disk and reports them (keep-failed.ts); a re-send is tried later. */
  async keep(items: FailedEvent[], cause: unknown): Promise<void> {
    this.#pending = true
    this.#appends++
    const { log, metrics, onBackgroundFailure } = this.#deps
    await keepFailed({ spill: this.#file, log, metrics, onBackgroundFailure }, items, cause)
    this.#schedule()
  }

  /**
   * For a background batch while events wait: resolves when the batch may go straight to Kafka, throws (so the
   * caller keeps it, behind the others) when it must join the file. A re-send is tried beside the queue's pipe to
   * disk, at most once per retry delay, not in its way: while the broker is down a re-send waits out its deadline,
   * and the queue must keep flowing to disk meanwhile. Events joining the file during a re-send are taken by it
   * too. Once a pass of the re-send got through, the broker is back: the batch waits for the re-send to finish
   * (nothing new joins, so it converges) and then goes to Kafka.
   */
  async admit(): Promise<void> {
    if (!this.#pending) return
    if (!this.#drain && Date.now() - this.#lastAttempt >= this.#deps.retryEveryMs) this.#resendBeside()
    if (!this.#drain || !this.#gotThrough)
      throw new GrimError('GRIM_PUBLISH_FAILED', 'earlier events still wait in the spill file', { retryable: true })
    await this.#drain
  }

  /** Re-sends everything spilled, oldest first (one re-send at a time); throws when it could not. */
  drain(): Promise<void> {
    this.#drain ??= this.#resendAll().finally(() => {
      this.#drain = undefined
    })
    return this.#drain
  }

  /** Stops the timer and lets a re-send under way finish, within `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const drain = this.#drain
    if (!drain) return
    let timer: NodeJS.Timeout | undefined
    const failed = await Promise.race([
      drain.then(
        () => false,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    // Whatever it did not send stays in the spill file for the next start: nothing is lost, so no error here.
    if (failed) this.#deps.log.warn({ file: this.#deps.file }, 'spilled events left for the next start')
  }

  /** A re-send that nobody awaits: failing, it is logged and tried again later. */
  #resendBeside(): void {
    this.drain().then(
      () => undefined,
      (error: unknown) => {
        this.#deps.log.warn({ err: messageOf(error) }, 're-sending spilled events failed; trying again later')
        this.#schedule()
      },
    )
  }

  /**
   * While events wait, a re-send is tried every retry delay even if nothing new is published: an idle service
   * would otherwise keep them on disk until its next event. Unref'd: it never keeps the process alive.
   */
  #schedule(delayMs = this.#deps.retryEveryMs): void {
    if (this.#timer || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#pending && !this.#closed && !this.#drain && this.#deps.mayResend()) this.#resendBeside()
    }, delayMs)
    this.#timer.unref()
  }

  async #resendAll(): Promise<void> {
    await this.#deps.beforeResend()
    this.#lastAttempt = Date.now()
    // Events may join the file while it is being re-sent (a batch that failed meanwhile): take it again until a
    // pass found nothing new, so that none is stranded behind newer events sent directly.
    try {
      for (let appendsAtTake = -1; appendsAtTake !== this.#appends; ) {
        appendsAtTake = this.#appends
        await this.#resendTaken(await this.#file.take())
        this.#gotThrough = true
      }
    } finally {
      this.#gotThrough = false
    }
    this.#pending = false
    this.#deps.metrics.spilled.set(0)
  }

  async #resendTaken(taken: TakenSpill): Promise<void> {
    const { log, file } = this.#deps
    const valid: UserEvent[] = []
    const invalid: string[] = []
    for (const raw of taken.events) {
      try {
        valid.push(validateUserEvent(raw))
      } catch (error) {
        // An event the catalog no longer accepts can never be sent: kept aside, reported, not retried forever.
        invalid.push(JSON.stringify(raw))
        log.error({ err: messageOf(error) }, 'spilled event is invalid; moved to the .bad file')
      }
    }
    await this.#file.quarantine(invalid)
    if (taken.quarantined + invalid.length > 0)
      log.error(
        { count: taken.quarantined + invalid.length, file: `${file}.bad` },
        'spilled lines that can never be sent were set aside',
      )
    if (valid.length > 0) {
      log.warn({ count: valid.length, file }, 're-sending spilled events')
      await this.#deps.resend(valid)
    }
    await taken.done()
  }
}
