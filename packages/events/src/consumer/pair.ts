// The work of one partition number of one source topic: its main-topic partition and the same-numbered
// retry-topic partition, which the co-partitioned assignment gives to the same member. Records of one key
// run one at a time, in order; different keys run in parallel (bounded by the shared slots).
//
// Design points (see also parking.ts):
// (a) Offsets of parked records. A main-topic record whose key is parked is not held in memory: it is
//     forwarded to the retry topic behind its predecessor (due at once) and counts as handed over, so the
//     main partition's commit position never waits for a retry. Only retry-topic records wait in memory
//     for their due time; the retry partition's commit position waits with them, which is safe (a restart
//     re-reads them, the dedupe store drops what already ran) and bounded: the runner pauses fetching
//     while too many records are unfinished.
// (b) A key's main and retry records meet in this one object: retry records are produced to the source's
//     partition number, and the group uses the co-partitioned assignor (kafka/co-partition.ts).
// (c) After a restart or a rebalance, parked keys are unknown until the retry partition is read up to its
//     log end as of the assignment. Until then the main partition is gated: its records wait in memory.
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import type { DeadLetterReason, Dispatcher, DispatchResult, Failure } from './dispatch.ts'
import { sleep } from './dispatch.ts'
import { KeyedWriter } from './keyed-writer.ts'
import { PartitionOffsetTracker } from './offsets.ts'
import type { OutageMonitor } from './outage.ts'
import { KeyParking } from './parking.ts'
import { buildRetryRecord, firstAttemptState, type RetryState, readRetryState } from './retry-topic.ts'
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
  deadLetter(record: IncomingRecord, state: RetryState | undefined, failure: Failure): Promise<void>
  /** Called whenever a record's outcome became final, or a background step failed. */
  onProgress(): void
  onError(error: unknown, context: string): void
  newToken(): string
  outages?: OutageMonitor
}

interface RetryItem {
  record: IncomingRecord
  state: RetryState
}

// latin1 maps each byte to one character: a unique string, cheaper to build than base64.
const keyOf = (record: IncomingRecord, originalOffset: bigint) =>
  record.key ? `k${record.key.toString('latin1')}` : `o${originalOffset}`

export class PartitionPair {
  readonly main = new PartitionOffsetTracker()
  readonly retry = new PartitionOffsetTracker()
  readonly parking = new KeyParking()
  readonly #deps: PairDeps
  readonly #mainQueues = new Map<string, IncomingRecord[]>()
  readonly #retryQueues = new Map<string, RetryItem[]>()
  readonly #writer: KeyedWriter
  /** Keys whose main-topic head waits for the key's barrier to come back (see parking.ts). */
  readonly #waitingForBarrier = new Set<string>()
  /**
   * Retry-topic offset of the record each barrier was produced for. It stays uncommitted until the barrier
   * is back and every record of the key that sat between the two in the log is re-forwarded behind it:
   * after a crash before that, reading resumes at the record itself, ahead of those records, so they run
   * after it. Committing it earlier would resume at them, and they would overtake it.
   */
  readonly #barrierOrigins = new Map<string, bigint>()
  /**
   * The same offsets, for the retry lane, which must never finish them: the barrier can be read back before
   * the lane finishes its record (the produce acknowledgement races the fetch). Finishing it then let a commit
   * pass it while the records behind it still waited for their re-forwards; after a crash those ran first.
   */
  readonly #originOffsets = new Set<bigint>()
  /** Work started by `#run` and not settled; `revoke` waits for it to reach zero. */
  #inFlight = 0
  #onIdle: (() => void) | undefined
  #idle: Promise<void> | undefined
  readonly #abort = new AbortController()
  /** Main records waiting for the retry partition to be read up to `#gateOffset`. */
  #gated: IncomingRecord[] | undefined = []
  #gateOffset: bigint | undefined

  constructor(deps: PairDeps) {
    this.#deps = deps
    this.#writer = new KeyedWriter({
      signal: this.#abort.signal,
      produce: deps.produce,
      onError: deps.onError,
      where: `${deps.topic}[${deps.partition}]`,
      outages: deps.outages,
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
    const state = readRetryState(record)
    if (state.group !== undefined && state.group !== this.#deps.groupId) {
      // Another group's retry (they share the retry topic): not ours to handle.
      this.#finishRetry(record, undefined)
      return
    }
    const key = keyOf(record, state.originalOffset)
    const hadBarrier = this.parking.hasBarrier(key)
    if (this.parking.arrived(key, state.token) === 'forward') {
      this.#run(async () => {
        if (await this.#forward(key, record, state, false)) this.#finishRetry(record, undefined)
      })
    } else {
      const queue = this.#retryQueues.get(key)
      if (queue) queue.push({ record, state })
      else {
        this.#retryQueues.set(key, [{ record, state }])
        this.#runRetryHead(key)
      }
      if (hadBarrier) {
        const origin = this.#barrierOrigins.get(key)
        this.#barrierOrigins.delete(key)
        // The key's send chain now holds every re-forward of records read before the barrier.
        const reforwarded = this.#writer.chainOf(key) ?? Promise.resolve(true)
        if (origin !== undefined)
          void reforwarded.then((sent) => {
            if (sent) this.retry.finish(origin)
          })
        if (this.#waitingForBarrier.delete(key)) this.#runMainHead(key)
      }
    }
    if (this.#gated && this.#gateOffset !== undefined && record.offset >= this.#gateOffset) this.#openGate()
  }

  /** Stops all work: no handler starts after this, waits and sends are abandoned (nothing more is final). */
  revoke(): Promise<void> {
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
   * completes; its offset is finished only once written, so no commit passes it. A poison flood on one key used to
   * cost a broker round trip per record on that key's path.
   */
  #deadLetterAside(key: string, record: IncomingRecord, result: Extract<DispatchResult, { kind: 'dead-letter' }>) {
    this.#advanceMain(key)
    this.#run(async () => {
      if (await this.#settleFailure(key, record, result, firstAttemptState(record, 1))) {
        this.main.finish(record.offset)
        this.#deps.onProgress()
      }
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

  #runRetryHead(key: string): void {
    const item = this.#retryQueues.get(key)?.[0]
    if (!item || this.revoked) return
    this.#run(async () => {
      const wait = item.state.dueAt - Date.now()
      if (wait > 0 && !(await sleep(wait, this.#abort.signal))) return
      const { record, state } = item
      const final = await this.#handle(key, record, { ...state, attempt: state.attempt + 1 }, state)
      if (final) this.#finishRetry(record, key)
    })
  }

  #finishRetry(record: IncomingRecord, heldKey: string | undefined): void {
    if (!this.#originOffsets.delete(record.offset)) this.retry.finish(record.offset)
    this.#deps.onProgress()
    if (heldKey === undefined) return
    this.parking.finished(heldKey)
    const queue = this.#retryQueues.get(heldKey)
    queue?.shift()
    if (queue?.length) this.#runRetryHead(heldKey)
    else this.#retryQueues.delete(heldKey)
  }

  /** Runs the record to a final outcome; false when revoked first (nothing final, it will come again). */
  async #handle(
    key: string,
    record: IncomingRecord,
    from: Omit<RetryState, 'dueAt' | 'token' | 'group'>,
    retryState?: RetryState,
  ): Promise<boolean> {
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
    from: Omit<RetryState, 'dueAt' | 'token' | 'group'>,
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
    const barrier = retryState !== undefined
    if (barrier) {
      this.#barrierOrigins.set(key, record.offset)
      this.#originOffsets.add(record.offset)
    }
    const sent = await this.#forward(key, record, state, barrier, result.failure.error)
    if (!sent && barrier) {
      this.#barrierOrigins.delete(key)
      this.#originOffsets.delete(record.offset)
    }
    if (sent) metrics.count(result.eventType, 'retried')
    return sent
  }

  /**
   * Produces the record to the retry topic behind the key's earlier ones. With `barrier` (a retry-topic
   * record failing again), the key's records queued behind it go along, after it, in the same order.
   */
  async #forward(
    key: string,
    record: IncomingRecord,
    state: Omit<RetryState, 'token' | 'group'>,
    barrier: boolean,
    lastError?: unknown,
  ): Promise<boolean> {
    const token = this.#deps.newToken()
    this.parking.sending(key, token, { barrier })
    const { retryTopic, groupId } = this.#deps
    const sends = [this.#writer.send(key, buildRetryRecord({ record, retryTopic, groupId, state, token, lastError }))]
    if (barrier) {
      const queue = this.#retryQueues.get(key) ?? []
      for (const follower of queue.splice(1)) {
        const followerToken = this.#deps.newToken()
        this.parking.sending(key, followerToken, { barrier: false })
        const outgoing = buildRetryRecord({ ...follower, retryTopic, groupId, token: followerToken })
        sends.push(
          this.#writer.send(key, outgoing).then((sent) => {
            if (sent) this.#finishRetryFollower(key, follower.record)
            return sent
          }),
        )
      }
    }
    return (await sends[0]) ?? false
  }

  #finishRetryFollower(key: string, record: IncomingRecord): void {
    this.retry.finish(record.offset)
    this.parking.finished(key)
    this.#deps.onProgress()
  }

  async #deadLetter(
    record: IncomingRecord,
    state: RetryState | undefined,
    failure: Failure,
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
