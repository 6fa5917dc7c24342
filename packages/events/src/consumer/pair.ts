// The work of one partition number of one source topic: its main-topic partition (the main lane, here) and the
// same-numbered retry-topic partition (the retry lane, retry-lane.ts), which the co-partitioned assignment gives
// to the same member. Records of one key run one at a time, in order; different keys run in parallel (bounded
// by the shared slots). The design, terms and diagrams: docs/consumer.md.

import type { DeadLetterFailure } from '../dlq/headers.ts'
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import type { DeadLetterReason, Dispatcher, DispatchResult } from './dispatch.ts'
import { KeyedWriter } from './keyed-writer.ts'
import { PartitionOffsetTracker } from './offsets.ts'
import type { OutageMonitor } from './outage.ts'
import { KeyParking, keyOf } from './parking.ts'
import { type RetryAttempt, RetryLane } from './retry-lane.ts'
import { buildRetryRecord, firstAttemptState, type RetryState } from './retry-topic.ts'
import type { Slots } from './slots.ts'

/** Dead-letter reasons where no handler ran for the record: nothing it did can be ordered against the key's next. */
const NO_HANDLER_RAN: ReadonlySet<DeadLetterReason> = new Set(['undecodable', 'invalid', 'unhandled'])

/** Delay before retrying a record whose dispatch threw unexpectedly (a bug or an outage, not the handler). */
const UNEXPECTED_FAILURE_DELAY_MS = 1_000

export interface PairDeps {
  topic: string
  retryTopic: string
  partition: number
  groupId: string
  dispatcher: Dispatcher
  slots: Slots
  metrics: ConsumerMetrics
  /** Produces the records in order; resolves once acknowledged, throws when the broker refused. */
  produce(records: OutgoingRecord[]): Promise<void>
  deadLetter(record: IncomingRecord, state: RetryState | undefined, failure: DeadLetterFailure): Promise<void>
  /** Main-lane records no handler ran for, written together; resolves once every one is acknowledged. */
  deadLetterMany(entries: readonly AsideDeadLetter[]): Promise<void>
  /** Called whenever a record's outcome became final, or a background step failed. */
  onProgress(): void
  onError(error: unknown, context: string): void
  newToken(): string
  outages?: OutageMonitor
}

/** A main-lane record no handler ran for, on its way to the DLQ beside its key (see `#deadLetterAside`). */
export interface AsideDeadLetter {
  record: IncomingRecord
  failure: DeadLetterFailure
  eventType: string
  reason: DeadLetterReason
}

export class PartitionPair {
  readonly main = new PartitionOffsetTracker()
  readonly retry = new PartitionOffsetTracker()
  readonly parking = new KeyParking()
  readonly #deps: PairDeps
  readonly #mainQueues = new Map<string, IncomingRecord[]>()
  readonly #writer: KeyedWriter
  readonly #retryLane: RetryLane
  /** Keys whose main-topic head waits for their barrier to come back (docs/consumer.md, "Parking and barriers"). */
  readonly #waitingForBarrier = new Set<string>()
  /** Work started by `#run` and not settled; `revoke` waits for it to reach zero. */
  #inFlight = 0
  #onIdle: (() => void) | undefined
  #idle: Promise<void> | undefined
  readonly #abort = new AbortController()
  /** Main records waiting for the retry partition to be read up to `#gateOffset`. */
  #gated: IncomingRecord[] | undefined = []
  #gateOffset: bigint | undefined
  /** Dead letters set aside in this turn of the event loop, written together at its end (`#writeAside`). */
  #aside: AsideDeadLetter[] = []
  #asideTimer: NodeJS.Immediate | undefined

  constructor(deps: PairDeps) {
    this.#deps = deps
    this.#writer = new KeyedWriter({
      signal: this.#abort.signal,
      produce: deps.produce,
      onError: deps.onError,
      where: `${deps.topic}[${deps.partition}]`,
      outages: deps.outages,
    })
    this.#retryLane = new RetryLane({
      groupId: deps.groupId,
      offsets: this.retry,
      parking: this.parking,
      writer: this.#writer,
      signal: this.#abort.signal,
      run: (work) => this.#run(work),
      onProgress: () => deps.onProgress(),
      handle: (key, record, from, retryState) => this.#handle(key, record, from, retryState),
      forward: (key, record, state, barrier, lastError) => this.#forward(key, record, state, barrier, lastError),
      barrierReturned: (key) => {
        if (this.#waitingForBarrier.delete(key)) this.#runMainHead(key)
      },
    })
  }

  get topic(): string {
    return this.#deps.topic
  }

  get partition(): number {
    return this.#deps.partition
  }

  get revoked(): boolean {
    return this.#abort.signal.aborted
  }

  get gated(): boolean {
    return this.#gated !== undefined
  }

  /** Records received and not final, gated ones included. */
  get pending(): number {
    return this.main.pending + this.retry.pending
  }

  /** Offsets held behind the commit positions, finished or not. */
  get span(): number {
    return this.main.span + this.retry.span
  }

  /** Opens the main partition once the retry partition was read up to `lastPendingOffset` (none: at once). */
  gateUntil(lastPendingOffset: bigint | undefined): void {
    this.#gateOffset = lastPendingOffset
    const seen = this.retry.highest
    if (lastPendingOffset === undefined || (seen !== undefined && seen >= lastPendingOffset)) this.#openGate()
  }

  acceptMain(record: IncomingRecord): void {
    if (this.revoked || !this.main.track(record.offset)) return
    if (this.#gated) this.#gated.push(record)
    else this.#enqueueMain(record)
  }

  acceptRetry(record: IncomingRecord): void {
    if (this.revoked || !this.retry.track(record.offset)) return
    this.#retryLane.accept(record)
    // Every record read counts towards the gate, another group's too: the backlog may well end with one of those.
    if (this.#gated && this.#gateOffset !== undefined && record.offset >= this.#gateOffset) this.#openGate()
  }

  /** Stops all work: no handler starts after this, waits and sends are abandoned (nothing more is final). */
  revoke(): Promise<void> {
    // Dead letters already decided start now, before the abort: a write under way completes, and this waits for it.
    this.#writeAside()
    this.#abort.abort()
    this.#deps.slots.cancel(this)
    if (this.#inFlight === 0) return Promise.resolve()
    this.#idle ??= new Promise((resolve) => {
      this.#onIdle = resolve
    })
    return this.#idle
  }

  #openGate(): void {
    const gated = this.#gated ?? []
    this.#gated = undefined
    for (const record of gated) this.#enqueueMain(record)
  }

  #enqueueMain(record: IncomingRecord): void {
    const key = keyOf(record, record.offset)
    const queue = this.#mainQueues.get(key)
    if (queue) queue.push(record)
    else {
      this.#mainQueues.set(key, [record])
      this.#runMainHead(key)
    }
  }

  #runMainHead(key: string): void {
    const record = this.#mainQueues.get(key)?.[0]
    if (!record || this.revoked) return
    if (this.parking.hasBarrier(key)) {
      this.#waitingForBarrier.add(key)
      return
    }
    if (this.parking.isParked(key)) {
      this.#run(async () => {
        const state = { dueAt: Date.now(), ...firstAttemptState(record, 0) }
        if (await this.#forward(key, record, state, false)) this.#finishMain(key, record)
      })
      return
    }
    // The hot path (key free, nothing parked): no async frame of our own, one promise chain per record.
    this.#inFlight++
    const { slots } = this.#deps
    if (slots.tryAcquire()) this.#dispatchMain(key, record)
    else slots.wait(this, (granted) => (granted ? this.#dispatchMain(key, record) : this.#settled()))
  }

  /** Runs a main record's first attempt in a slot already taken; `#inFlight` was counted by the caller. */
  #dispatchMain(key: string, record: IncomingRecord): void {
    const { dispatcher, slots } = this.#deps
    if (this.revoked) {
      slots.release()
      this.#settled()
      return
    }
    const input = { record, attempt: 1, firstFailureAt: undefined, signal: this.#abort.signal }
    dispatcher.dispatch(input).then(
      (result) => {
        slots.release()
        if (result.kind === 'done') this.#finishMain(key, record)
        else if (result.kind === 'dead-letter' && NO_HANDLER_RAN.has(result.reason))
          this.#deadLetterAside(key, record, result)
        else if (result.kind !== 'abandoned')
          this.#run(async () => {
            if (await this.#settleFailure(key, record, result, firstAttemptState(record, 1)))
              this.#finishMain(key, record)
          })
        this.#settled()
      },
      (error) => {
        slots.release()
        this.#deps.onError(error, `handling a record of ${this.#deps.topic}[${this.#deps.partition}]`)
        // An unexpected throw (not the handler's: the dispatcher catches those) must not orphan the key's
        // queue: the record takes the retry path like any transient failure.
        const now = new Date()
        const failure = { error, attempts: 1, firstFailureAt: now, lastFailureAt: now }
        const eventType = record.headers.get('event_type')?.toString() ?? 'unknown'
        this.#run(async () => {
          const retry = { kind: 'retry' as const, eventType, delayMs: UNEXPECTED_FAILURE_DELAY_MS, failure }
          if (await this.#settleFailure(key, record, retry, firstAttemptState(record, 1))) this.#finishMain(key, record)
        })
        this.#settled()
      },
    )
  }

  /**
   * A record no handler ran for cannot reorder a side effect, so its key moves on at once while its DLQ write
   * completes; its offset is finished only once written, so no commit passes it. Such dead letters are gathered
   * until the event loop's turn ends and written together: a poison flood costs one write (and one promise) per
   * burst of fetched records, not a broker round trip and an async chain per record. docs/consumer.md, "Dead letters".
   */
  #deadLetterAside(key: string, record: IncomingRecord, result: Extract<DispatchResult, { kind: 'dead-letter' }>) {
    this.#advanceMain(key)
    this.#aside.push({ record, failure: result.failure, eventType: result.eventType, reason: result.reason })
    this.#asideTimer ??= setImmediate(() => this.#writeAside())
  }

  #writeAside(): void {
    clearImmediate(this.#asideTimer)
    this.#asideTimer = undefined
    const batch = this.#aside
    if (batch.length === 0) return
    this.#aside = []
    this.#run(async () => {
      const deps = this.#deps
      if (!(await this.#writer.persist('writing to the dead-letter topic', () => deps.deadLetterMany(batch)))) return
      for (const entry of batch) {
        deps.metrics.dlqWrites.inc({ reason: entry.reason })
        deps.metrics.count(entry.eventType, 'dead_lettered')
        this.main.finish(entry.record.offset)
      }
      deps.onProgress()
    })
  }

  #finishMain(key: string, record: IncomingRecord): void {
    this.main.finish(record.offset)
    this.#deps.onProgress()
    this.#advanceMain(key)
  }

  #advanceMain(key: string): void {
    const queue = this.#mainQueues.get(key)
    queue?.shift()
    if (queue?.length) this.#runMainHead(key)
    else this.#mainQueues.delete(key)
  }

  /** Runs a retry-topic record's next attempt to a final outcome; false when revoked first (it will come again). */
  async #handle(key: string, record: IncomingRecord, from: RetryAttempt, retryState: RetryState): Promise<boolean> {
    const { dispatcher, slots } = this.#deps
    if (!slots.tryAcquire() && !(await new Promise<boolean>((grant) => slots.wait(this, grant)))) return false
    let result: DispatchResult
    try {
      if (this.revoked) return false
      result = await dispatcher.dispatch({
        record,
        attempt: from.attempt,
        firstFailureAt: from.firstFailureAt,
        signal: this.#abort.signal,
      })
    } finally {
      slots.release()
    }
    if (result.kind === 'abandoned') return false
    if (result.kind === 'done') return true
    return this.#settleFailure(key, record, result, from, retryState)
  }

  /** A failed attempt's outcome made final: in the DLQ, or in the retry topic (a barrier when from there). */
  async #settleFailure(
    key: string,
    record: IncomingRecord,
    result: Extract<DispatchResult, { kind: 'retry' | 'dead-letter' }>,
    from: RetryAttempt,
    retryState?: RetryState,
  ): Promise<boolean> {
    const { metrics } = this.#deps
    if (result.kind === 'dead-letter') {
      const written = await this.#deadLetter(record, retryState, result.failure, result.reason)
      if (written) metrics.count(result.eventType, 'dead_lettered')
      return written
    }
    const state = {
      ...from,
      dueAt: Date.now() + result.delayMs,
      attempt: result.failure.attempts,
      firstFailureAt: result.failure.firstFailureAt,
    }
    const { error } = result.failure
    const sent = await (retryState === undefined
      ? this.#forward(key, record, state, false, error)
      : this.#retryLane.forwardAsBarrier(key, record, state, error))
    if (sent) metrics.count(result.eventType, 'retried')
    return sent
  }

  /** Produces the record to the retry topic behind the key's earlier ones; `barrier`: see `forwardAsBarrier`. */
  #forward(
    key: string,
    record: IncomingRecord,
    state: Omit<RetryState, 'token' | 'group'>,
    barrier: boolean,
    lastError?: unknown,
  ): Promise<boolean> {
    const token = this.#deps.newToken()
    this.parking.sending(key, token, { barrier })
    const { retryTopic, groupId } = this.#deps
    return this.#writer.send(key, buildRetryRecord({ record, retryTopic, groupId, state, token, lastError }))
  }

  async #deadLetter(
    record: IncomingRecord,
    state: RetryState | undefined,
    failure: DeadLetterFailure,
    reason: DeadLetterReason,
  ): Promise<boolean> {
    const written = await this.#writer.persist('writing to the dead-letter topic', () =>
      this.#deps.deadLetter(record, state, failure),
    )
    if (written) this.#deps.metrics.dlqWrites.inc({ reason })
    return written
  }

  #run(work: () => Promise<void>): void {
    this.#inFlight++
    work().then(
      () => this.#settled(),
      (error) => {
        this.#deps.onError(error, `handling a record of ${this.#deps.topic}[${this.#deps.partition}]`)
        this.#settled()
      },
    )
  }

  #settled(): void {
    if (--this.#inFlight > 0 || !this.#onIdle) return
    this.#onIdle()
    this.#onIdle = undefined
  }
}
