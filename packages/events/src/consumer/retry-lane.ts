// The retry lane of a PartitionPair: records read back from `<topic>.retry`. Per key they wait for their due
// time and run one at a time, in log order. A record that fails again is produced once more as the key's
// barrier, and the key's records queued behind it are re-forwarded after it. The design, terms and diagrams:
// docs/consumer.md, "The retry lane" and "Parking and barriers".
import type { IncomingRecord } from '../kafka/index.ts'
import { sleep } from '../sleep.ts'
import type { KeyedWriter } from './keyed-writer.ts'
import type { PartitionOffsetTracker } from './offsets.ts'
import { type KeyParking, keyOf } from './parking.ts'
import { type RetryState, readRetryState } from './retry-topic.ts'

/** What the lane uses of its PartitionPair. */
export interface RetryLaneHost {
  groupId: string
  /** The retry partition's commit tracker. */
  offsets: PartitionOffsetTracker
  parking: KeyParking
  writer: KeyedWriter
  /** Aborted when the pair is revoked. */
  signal: AbortSignal
  /** Runs background work the pair's revoke waits for. */
  run(work: () => Promise<void>): void
  onProgress(): void
  /** Runs one attempt in a handler slot and settles a failure; false when revoked first (nothing final). */
  handle(key: string, record: IncomingRecord, from: RetryAttempt, retryState: RetryState): Promise<boolean>
  /** Produces the record to the retry topic behind the key's earlier ones (a barrier when `barrier`). */
  forward(
    key: string,
    record: IncomingRecord,
    state: Omit<RetryState, 'token' | 'group'>,
    barrier: boolean,
    lastError?: unknown,
  ): Promise<boolean>
  /** The key's barrier is back and its followers are queued for re-forwarding: its main records may move. */
  barrierReturned(key: string): void
}

/** A record's history as its next attempt starts: the number of that attempt, its first failure, its origin. */
export type RetryAttempt = Omit<RetryState, 'dueAt' | 'token' | 'group'>

interface RetryItem {
  record: IncomingRecord
  state: RetryState
}

export class RetryLane {
  readonly #host: RetryLaneHost
  readonly #queues = new Map<string, RetryItem[]>()
  /**
   * Retry-topic offset of the record each barrier was produced for (its origin). It stays uncommitted until the
   * barrier is back and every record of the key that sat between the two in the log is re-forwarded behind it:
   * after a crash before that, reading resumes at the origin itself, ahead of those records, so they run after
   * it. Committing it earlier would resume at them, and they would overtake it.
   */
  readonly #barrierOrigins = new Map<string, bigint>()
  /**
   * The same offsets, which `#finish` must never finish: the barrier can be read back before the lane finishes
   * its origin (the produce acknowledgement races the fetch). Finishing it then let a commit pass it while the
   * records behind it still waited for their re-forwards; after a crash those ran first.
   */
  readonly #originOffsets = new Set<bigint>()

  constructor(host: RetryLaneHost) {
    this.#host = host
  }

  /** Takes a retry-topic record already tracked; false when it is another group's (finished at once). */
  accept(record: IncomingRecord): boolean {
    const { parking, writer } = this.#host
    const state = readRetryState(record)
    if (state.group !== undefined && state.group !== this.#host.groupId) {
      // Another group's retry (they share the retry topic): not ours to handle.
      this.#finish(record, undefined)
      return false
    }
    const key = keyOf(record, state.originalOffset)
    const hadBarrier = parking.hasBarrier(key)
    if (parking.arrived(key, state.token) === 'forward') {
      this.#host.run(async () => {
        if (await this.#host.forward(key, record, state, false)) this.#finish(record, undefined)
      })
      return true
    }
    const queue = this.#queues.get(key)
    if (queue) queue.push({ record, state })
    else {
      this.#queues.set(key, [{ record, state }])
      this.#runHead(key)
    }
    if (hadBarrier) {
      const origin = this.#barrierOrigins.get(key)
      this.#barrierOrigins.delete(key)
      // The key's send chain now holds every re-forward of records read before the barrier.
      const reforwarded = writer.chainOf(key) ?? Promise.resolve(true)
      if (origin !== undefined)
        void reforwarded.then((sent) => {
          if (sent) this.#host.offsets.finish(origin)
        })
      this.#host.barrierReturned(key)
    }
    return true
  }

  /**
   * Produces a retry record that failed again (R') as the key's barrier, its origin held uncommitted; the
   * records queued behind its origin go along after it, in the same order.
   */
  async forwardAsBarrier(
    key: string,
    record: IncomingRecord,
    state: Omit<RetryState, 'token' | 'group'>,
    lastError: unknown,
  ): Promise<boolean> {
    this.#barrierOrigins.set(key, record.offset)
    this.#originOffsets.add(record.offset)
    const barrierSent = this.#host.forward(key, record, state, true, lastError)
    const queue = this.#queues.get(key) ?? []
    for (const follower of queue.splice(1))
      void this.#host.forward(key, follower.record, follower.state, false).then((sent) => {
        if (sent) this.#finishFollower(key, follower.record)
      })
    const sent = await barrierSent
    if (!sent) {
      this.#barrierOrigins.delete(key)
      this.#originOffsets.delete(record.offset)
    }
    return sent
  }

  #runHead(key: string): void {
    const item = this.#queues.get(key)?.[0]
    if (!item || this.#host.signal.aborted) return
    this.#host.run(async () => {
      const wait = item.state.dueAt - Date.now()
      if (wait > 0 && !(await sleep(wait, this.#host.signal))) return
      const { record, state } = item
      const final = await this.#host.handle(key, record, { ...state, attempt: state.attempt + 1 }, state)
      if (final) this.#finish(record, key)
    })
  }

  #finish(record: IncomingRecord, heldKey: string | undefined): void {
    if (!this.#originOffsets.delete(record.offset)) this.#host.offsets.finish(record.offset)
    this.#host.onProgress()
    if (heldKey === undefined) return
    this.#host.parking.finished(heldKey)
    const queue = this.#queues.get(heldKey)
    queue?.shift()
    if (queue?.length) this.#runHead(heldKey)
    else this.#queues.delete(heldKey)
  }

  #finishFollower(key: string, record: IncomingRecord): void {
    this.#host.offsets.finish(record.offset)
    this.#host.parking.finished(key)
    this.#host.onProgress()
  }
}
