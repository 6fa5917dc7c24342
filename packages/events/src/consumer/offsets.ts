// Which offset of one partition may be committed. Records finish out of order (different keys run in
// parallel, a retry waits), but a commit says "everything below this is done", so the commit position is
// the lowest offset still unfinished, or one past the highest seen when all are done. Offsets arrive in
// increasing order per partition, so a queue in arrival order finds that lowest one in amortised O(1).

import type { CommitPosition } from '../kafka/index.ts'
import { retryTopicOf } from './options.ts'

export class PartitionOffsetTracker {
  readonly #queue: bigint[] = []
  /** Parallel to the queue: 1 where that offset finished ahead of the lowest unfinished one. */
  readonly #done: number[] = []
  #head = 0
  /** Offsets past the head that finished already (1 in `#done`). */
  #finishedAhead = 0
  /** Offsets finished before they were tracked (kept until they are, as the tracker always allowed). */
  readonly #early = new Set<bigint>()
  #highest: bigint | undefined
  #committed: bigint | undefined

  /** Registers a received record; false for an offset at or below one already seen (a stale duplicate). */
  track(offset: bigint): boolean {
    if (this.#highest !== undefined && offset <= this.#highest) return false
    this.#queue.push(offset)
    this.#highest = offset
    if (this.#early.size > 0 && this.#early.delete(offset)) {
      // Taken into account when the head reaches it, as the earlier Set-based tracker did.
      this.#done.push(1)
      this.#finishedAhead++
    } else this.#done.push(0)
    return true
  }

  /** The record's outcome is final (handled, dead-lettered, or handed to the retry topic). */
  finish(offset: bigint): void {
    const queue = this.#queue
    // Records mostly finish in arrival order: the lowest unfinished one then needs no mark at all.
    if (this.#head < queue.length && queue[this.#head] === offset) {
      this.#head++
      if (this.#finishedAhead > 0) this.#advance()
    } else if (this.#highest === undefined || offset > this.#highest) {
      this.#early.add(offset)
      return
    } else {
      // Out of order (a DLQ write or a retry holds an earlier one): marked in place, no set of bigints to hash.
      const index = this.#indexOf(offset)
      if (index < 0 || this.#done[index] === 1) return
      this.#done[index] = 1
      this.#finishedAhead++
    }
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head)
      this.#done.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** Moves the head past offsets that finished ahead of it. */
  #advance(): void {
    while (this.#head < this.#queue.length && this.#done[this.#head] === 1) {
      this.#head++
      this.#finishedAhead--
    }
  }

  /** Where `offset` waits in the queue, or -1. Offsets are mostly consecutive, so the first guess usually hits. */
  #indexOf(offset: bigint): number {
    const queue = this.#queue
    let low = this.#head
    let high = queue.length - 1
    if (low > high || offset < (queue[low] as bigint) || offset > (queue[high] as bigint)) return -1
    const guess = low + Number(offset - (queue[low] as bigint))
    if (guess <= high && queue[guess] === offset) return guess
    while (low <= high) {
      const middle = (low + high) >>> 1
      const found = queue[middle] as bigint
      if (found === offset) return middle
      if (found < offset) low = middle + 1
      else high = middle - 1
    }
    return -1
  }

  /** Records received but not finished. */
  get pending(): number {
    return this.#queue.length - this.#head - this.#finishedAhead
  }

  /**
   * Offsets held from the commit position on, finished or not: one record that takes long to finish (a DLQ write
   * in flight) makes the tracker hold every offset behind it, so this is bounded too.
   */
  get span(): number {
    return this.#queue.length - this.#head
  }

  /** The offset to commit (next to read), or undefined before the first record. */
  get position(): bigint | undefined {
    if (this.#head < this.#queue.length) return this.#queue[this.#head]
    return this.#highest === undefined ? undefined : this.#highest + 1n
  }

  /** The position, when it moved since the last `markCommitted`. */
  get uncommitted(): bigint | undefined {
    const position = this.position
    return position !== undefined && position !== this.#committed ? position : undefined
  }

  markCommitted(position: bigint): void {
    if (this.#committed === undefined || position > this.#committed) this.#committed = position
  }

  /** The highest offset received so far. */
  get highest(): bigint | undefined {
    return this.#highest
  }

  get committed(): bigint | undefined {
    return this.#committed
  }
}

/** A partition's two trackers: its main topic's and its retry topic's (a PartitionPair fits). */
export interface TrackedPartition {
  topic: string
  partition: number
  main: PartitionOffsetTracker
  retry: PartitionOffsetTracker
}

/** The positions that moved since the last commit, and what marks them committed once the commit succeeded. */
export function finishedPositions(partitions: TrackedPartition[]): {
  positions: CommitPosition[]
  marks: (() => void)[]
} {
  const positions: CommitPosition[] = []
  const marks: (() => void)[] = []
  for (const pair of partitions)
    for (const [topic, tracker] of [
      [pair.topic, pair.main],
      [retryTopicOf(pair.topic), pair.retry],
    ] as const) {
      const offset = tracker.uncommitted
      if (offset === undefined) continue
      positions.push({ topic, partition: pair.partition, offset, leaderEpoch: -1 })
      marks.push(() => tracker.markCommitted(offset))
    }
  return { positions, marks }
}
