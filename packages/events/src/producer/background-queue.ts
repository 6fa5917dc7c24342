import { GrimError } from '../errors.ts'

export interface QueueLimits {
  capacity: number
  batchSize: number
}

/**
 * A bounded FIFO drained by one worker in batches. One batch in flight at a time keeps per-key order even when
 * a batch has to be retried. `drainBatch` must settle every item itself (ack, retry, spill) and never throw.
 */
export class BackgroundQueue<T> {
  readonly #limits: QueueLimits
  readonly #drainBatch: (items: T[]) => Promise<void>
  readonly #onDepth: (depth: number) => void
  #items: T[] = []
  #head = 0
  #draining: Promise<void> | undefined

  constructor(limits: QueueLimits, drainBatch: (items: T[]) => Promise<void>, onDepth: (depth: number) => void) {
    this.#limits = limits
    this.#drainBatch = drainBatch
    this.#onDepth = onDepth
  }

  get depth(): number {
    return this.#items.length - this.#head
  }

  get isFull(): boolean {
    return this.depth >= this.#limits.capacity
  }

  /** Adds an item; throws GRIM_QUEUE_FULL when at capacity (callers with another overflow policy check `isFull`). */
  push(item: T): void {
    if (this.isFull) {
      throw new GrimError('GRIM_QUEUE_FULL', `background publish queue is full (${this.#limits.capacity} events)`, {
        details: { capacity: this.#limits.capacity },
      })
    }
    this.#items.push(item)
    this.#onDepth(this.depth)
    // Start draining on the next turn so that a burst of pushes goes out as one batch.
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain())
  }

  async #drain(): Promise<void> {
    try {
      while (this.depth > 0) {
        const end = Math.min(this.#items.length, this.#head + this.#limits.batchSize)
        const batch = this.#items.slice(this.#head, end)
        this.#head = end
        // Compact once the consumed prefix dominates, so the array does not grow forever.
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head)
          this.#head = 0
        }
        this.#onDepth(this.depth)
        await this.#drainBatch(batch)
      }
    } finally {
      this.#draining = undefined
    }
  }

  /** Resolves once everything pushed so far has been settled; GRIM_SHUTDOWN_TIMEOUT after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#draining) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        throw new GrimError(
          'GRIM_SHUTDOWN_TIMEOUT',
          `background queue not flushed within ${timeoutMs} ms (${this.depth} left)`,
        )
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([this.#draining, new Promise((resolve) => (timer = setTimeout(resolve, remaining)))])
      clearTimeout(timer)
    }
  }

  /** Removes and returns what is still queued (used when giving up at shutdown, to spill it). */
  takeAll(): T[] {
    const rest = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    this.#onDepth(0)
    return rest
  }
}
