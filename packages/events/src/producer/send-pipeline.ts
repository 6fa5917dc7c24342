// The send worker's pipeline (docs/publishing-pipeline.md): each batch is split by partition into chunks, queued
// in arrival order; up to `maxInFlight` requests go out at once, but a partition is in at most one of them, so
// one key's records are never in two requests at once and cannot overtake each other, failures included. A
// request takes the oldest chunks whose partition is free, up to `maxRequestRecords`: while one request is at the
// broker the next one is built for other partitions, and what arrives meanwhile fills the next request.
// After a request fails for good, every waiting chunk fails ("held back") and nothing new starts until `resume`;
// requests already under way (other partitions) finish. Batches settle in the order they were added, each with the
// indices of its records that were not sent, so the publisher keeps exactly those, in order.
import { GrimError, messageOf } from '../errors.ts'
import type { OutgoingRecord, RecordPosition } from '../kafka/index.ts'

/** A chunk whose topic's partition count is unknown goes alone: every partition counts as taken. */
const ALL = -1

export interface PipelineLimits {
  maxInFlight: number
  /** A request takes chunks until it holds this many records (a chunk is never split). */
  maxRequestRecords: number
  /** A request smaller than `maxRequestRecords` waits up to this long since its oldest record arrived. */
  lingerMs: number
}

export type BatchOutcome =
  | { id: number; ok: true; positions: RecordPosition[] }
  /** `unsent`: indices of the records not sent, ascending; undefined when none was sent. */
  | { id: number; ok: false; error: unknown; unsent: number[] | undefined }

export interface PipelineDeps {
  /** One request, retries included; rejects once it failed for good. */
  send(records: OutgoingRecord[], what: string): Promise<RecordPosition[]>
  /** The topic's partition count if known; unknown sends each batch alone. */
  partitionCount(topic: string): number | undefined
  /** Every batch's outcome, in the order the batches were added. */
  settled(outcome: BatchOutcome): void
}

interface Batch {
  id: number
  what: string
  records: OutgoingRecord[]
  /** Chunks not settled yet. */
  open: number
  positions: RecordPosition[]
  unsent: number[]
  error?: unknown
  /** Set when the batch failed without being tried: it was held back behind an earlier failure. */
  heldBackBy?: string
}

interface Chunk {
  batch: Batch
  partition: number
  indices: number[]
  arrivedAt: number
}

export class SendPipeline {
  readonly #limits: PipelineLimits
  readonly #deps: PipelineDeps
  #waiting: Chunk[] = []
  readonly #busy = new Set<number>()
  #inFlight = 0
  readonly #batches: Batch[] = []
  #blockedBy: string | undefined
  #lingerTimer: NodeJS.Timeout | undefined
  #idle: (() => void)[] = []

  constructor(limits: PipelineLimits, deps: PipelineDeps) {
    this.#limits = limits
    this.#deps = deps
  }

  add(id: number, what: string, records: OutgoingRecord[]): void {
    const batch: Batch = { id, what, records, open: 0, positions: [], unsent: [] }
    this.#batches.push(batch)
    if (this.#blockedBy !== undefined || records.length === 0) {
      if (records.length > 0) this.#holdBack(batch, this.#blockedBy as string, range(records.length))
      this.#report()
      return
    }
    const now = performance.now()
    const count = this.#deps.partitionCount(records[0]?.topic as string)
    if (!count) {
      batch.open = 1
      this.#waiting.push({ batch, partition: ALL, indices: range(records.length), arrivedAt: now })
    } else {
      const byPartition = new Map<number, number[]>()
      for (let i = 0; i < records.length; i++) {
        const partition = (records[i]?.partition ?? 0) % count
        const indices = byPartition.get(partition)
        if (indices) indices.push(i)
        else byPartition.set(partition, [i])
      }
      batch.open = byPartition.size
      for (const [partition, indices] of byPartition) this.#waiting.push({ batch, partition, indices, arrivedAt: now })
    }
    this.#dispatch()
  }

  /** After a failure the publisher kept the failed events: later batches may go out again. */
  resume(): void {
    this.#blockedBy = undefined
    this.#dispatch()
  }

  /** Fails every waiting chunk now and holds back later batches until `resume` (give-up, shutdown). */
  stop(reason: string): void {
    this.#blockedBy ??= reason
    this.#failWaiting()
    this.#report()
  }

  /** Resolves once nothing waits and nothing is under way. */
  idle(): Promise<void> {
    if (this.#waiting.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #dispatch(): void {
    clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
    while (this.#blockedBy === undefined && this.#inFlight < this.#limits.maxInFlight && this.#waiting.length > 0) {
      if (!this.#startNext()) return
    }
  }

  /** Starts the next request if one can go now; false when none can (yet). */
  #startNext(): boolean {
    if (this.#busy.has(ALL)) return false
    // Partitions that cannot join this request: under way, or skipped earlier in this scan (order within one).
    const taken = new Set(this.#busy)
    const request: Chunk[] = []
    const rest: Chunk[] = []
    let records = 0
    for (let i = 0; i < this.#waiting.length; i++) {
      const chunk = this.#waiting[i] as Chunk
      if (records >= this.#limits.maxRequestRecords) {
        for (; i < this.#waiting.length; i++) rest.push(this.#waiting[i] as Chunk)
        break
      }
      if (chunk.partition === ALL) {
        // Alone, and only when nothing else is under way or ahead of it.
        if (request.length === 0 && taken.size === 0) {
          request.push(chunk)
          for (i++; i < this.#waiting.length; i++) rest.push(this.#waiting[i] as Chunk)
          break
        }
        for (; i < this.#waiting.length; i++) rest.push(this.#waiting[i] as Chunk)
        break
      }
      const free = !taken.has(chunk.partition) || request.some((c) => c.partition === chunk.partition)
      if (free) {
        request.push(chunk)
        records += chunk.indices.length
      } else rest.push(chunk)
      taken.add(chunk.partition)
    }
    if (request.length === 0) return false
    const oldest = Math.min(...request.map((c) => c.arrivedAt))
    const wait = oldest + this.#limits.lingerMs - performance.now()
    if (records < this.#limits.maxRequestRecords && wait > 0) {
      this.#lingerTimer ??= setTimeout(() => this.#dispatch(), Math.ceil(wait))
      return false
    }
    this.#waiting = rest
    this.#start(request)
    return true
  }

  #start(request: Chunk[]): void {
    this.#inFlight++
    for (const chunk of request) this.#busy.add(chunk.partition)
    const records: OutgoingRecord[] = []
    for (const chunk of request) for (const i of chunk.indices) records.push(chunk.batch.records[i] as OutgoingRecord)
    const batches = new Set(request.map((c) => c.batch))
    const first = request[0]?.batch as Batch
    const what = batches.size === 1 ? first.what : `${first.what} (with ${batches.size - 1} later batch(es))`
    this.#deps.send(records, what).then(
      (positions) => this.#sent(request, positions),
      (error: unknown) => this.#failed(request, error),
    )
  }

  #sent(request: Chunk[], positions: RecordPosition[]): void {
    this.#finish(request)
    const bases = new Map(positions.map((p) => [p.partition, p]))
    const before = new Map<number, number>()
    for (const chunk of request) {
      if (chunk.partition === ALL) chunk.batch.positions.push(...positions)
      else {
        const base = bases.get(chunk.partition)
        const skip = before.get(chunk.partition) ?? 0
        before.set(chunk.partition, skip + chunk.indices.length)
        if (base) chunk.batch.positions.push({ ...base, offset: base.offset + BigInt(skip) })
      }
      chunk.batch.open--
    }
    this.#report()
    this.#dispatch()
  }

  #failed(request: Chunk[], error: unknown): void {
    this.#finish(request)
    this.#blockedBy ??= `an earlier batch failed (${messageOf(error)})`
    for (const chunk of request) {
      chunk.batch.error ??= error
      chunk.batch.unsent.push(...chunk.indices)
      chunk.batch.open--
    }
    this.#failWaiting()
    this.#report()
    this.#dispatch()
  }

  #finish(request: Chunk[]): void {
    this.#inFlight--
    for (const chunk of request) this.#busy.delete(chunk.partition)
  }

  #failWaiting(): void {
    const reason = this.#blockedBy as string
    for (const chunk of this.#waiting) {
      this.#holdBack(chunk.batch, reason, chunk.indices)
      chunk.batch.open--
    }
    this.#waiting = []
    clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
  }

  #holdBack(batch: Batch, reason: string, indices: number[]): void {
    if (batch.error === undefined) batch.heldBackBy ??= reason
    batch.unsent.push(...indices)
  }

  #report(): void {
    for (let batch = this.#batches[0]; batch && batch.open === 0; batch = this.#batches[0]) {
      this.#batches.shift()
      this.#deps.settled(this.#outcome(batch))
    }
    if (this.#waiting.length === 0 && this.#inFlight === 0 && this.#idle.length > 0) {
      const waiters = this.#idle
      this.#idle = []
      for (const resolve of waiters) resolve()
    }
  }

  #outcome(batch: Batch): BatchOutcome {
    if (batch.unsent.length === 0) {
      batch.positions.sort((a, b) => a.partition - b.partition)
      return { id: batch.id, ok: true, positions: batch.positions }
    }
    const error =
      batch.error ??
      new GrimError('GRIM_PUBLISH_FAILED', `${batch.what} held back: ${batch.heldBackBy}`, { retryable: true })
    const unsent = batch.unsent.length === batch.records.length ? undefined : batch.unsent.sort((a, b) => a - b)
    return { id: batch.id, ok: false, error, unsent }
  }
}

function range(length: number): number[] {
  return Array.from({ length }, (_, i) => i)
}
