import { GrimError } from '../errors.ts'

export interface QueueLimits {
  capacity: number
  batchSize: number
}

/** Both drains settle every item of the batch themselves (ack, retry, spill) and never throw. */
export interface BatchDrain<T> {
  /** Whether the next batch may go to `handOver` now; when not, batches go to `drainBatch`. */
  canHandOver(): boolean
  /**
   * The fast path: hands the batch on before its first await. Batches are handed on in queue order without
   * waiting for each other, and whoever takes them keeps that order.
   */
  handOver(items: T[]): Promise<void>
  /** The slow path: one batch at a time, each awaited, after every handed-over batch settled. */
  drainBatch(items: T[]): Promise<void>
}

/**
 * A bounded FIFO drained in batches. A full batch is handed on at once, inside the push that completed it, so
 * the sending thread works while the caller is still producing; a partial batch waits for the next turn. The
 * capacity counts every event not yet settled, handed on or not, so memory stays bounded either way.
 */
export class BackgroundQueue<T> {
  readonly #limits: QueueLimits
  readonly #drain: BatchDrain<T>
  readonly #onDepth: (depth: number) => void
  #items: T[] = []
  #head = 0
  /** Events handed on and not yet settled, and their batches' promises. */
  #handedOver = 0
  readonly #inFlight = new Set<Promise<void>>()
  #serial: Promise<void> | undefined
  #scheduled = false

  constructor(limits: QueueLimits, drain: BatchDrain<T>, onDepth: (depth: number) => void) {
    this.#limits = limits
    this.#drain = drain
    this.#onDepth = onDepth
  }

  /** Events accepted and not yet settled. */
  get depth(): number {
    return this.#waiting + this.#handedOver
  }

  get isFull(): boolean {
    return this.depth >= this.#limits.capacity
  }

  get #waiting(): number {
    return this.#items.length - this.#head
  }

  /** Adds an item; throws GRIM_QUEUE_FULL when at capacity (callers with another overflow policy check `isFull`). */
  push(item: T): void {
    this.#add(item, this.#limits.capacity)
  }

  /**
   * Adds an item past the capacity, for a caller whose drain now writes to disk rather than to Kafka; up to twice
   * the capacity, then GRIM_QUEUE_FULL all the same, so memory stays bounded even if the disk is slow.
   */
  pushBeyondCapacity(item: T): void {
    this.#add(item, this.#limits.capacity * 2)
  }

  #add(item: T, limit: number): void {
    if (this.depth >= limit) {
      throw new GrimError('GRIM_QUEUE_FULL', `background publish queue is full (${limit} events)`, {
        details: { capacity: this.#limits.capacity },
      })
    }
    this.#items.push(item)
    this.#onDepth(this.depth)
    if (this.#waiting >= this.#limits.batchSize) this.#pump()
    else if (!this.#scheduled) {
      // A burst of pushes smaller than a batch goes out as one batch on the next turn.
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#pump()
      })
    }
  }

  #take(): T[] {
    const end = Math.min(this.#items.length, this.#head + this.#limits.batchSize)
    const batch = this.#items.slice(this.#head, end)
    this.#head = end
    // Compact once the consumed prefix dominates, so the array does not grow forever.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return batch
  }

  #pump(): void {
    while (!this.#serial && this.#waiting > 0) {
      if (!this.#drain.canHandOver()) {
        this.#serial = this.#drainSerially().finally(() => {
          this.#serial = undefined
          if (this.#waiting > 0) this.#pump()
        })
        return
      }
      const batch = this.#take()
      this.#handedOver += batch.length
      const settled: Promise<void> = this.#drain.handOver(batch).finally(() => {
        this.#handedOver -= batch.length
        this.#inFlight.delete(settled)
        this.#onDepth(this.depth)
      })
      this.#inFlight.add(settled)
    }
  }

  /** One batch at a time, after everything handed on before has settled: the slow path keeps the order too. */
  async #drainSerially(): Promise<void> {
    await this.settled()
    while (this.#waiting > 0 && !this.#drain.canHandOver()) {
      const batch = this.#take()
      this.#handedOver += batch.length
      try {
        await this.#drain.drainBatch(batch)
      } finally {
        this.#handedOver -= batch.length
        this.#onDepth(this.depth)
      }
    }
  }

  /** Resolves once every batch handed on so far has settled. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight)
  }

  /** Resolves once nothing is being drained: handed-over batches settled and no slow-path batch running. */
  async idle(): Promise<void> {
    for (;;) {
      await this.settled()
      if (!this.#serial) return
      await this.#serial
    }
  }

  /** Resolves once everything pushed so far has been settled; GRIM_SHUTDOWN_TIMEOUT after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    // Whatever waits for its turn goes now rather than on the next one.
    this.#pump()
    while (this.depth > 0) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        throw new GrimError(
          'GRIM_SHUTDOWN_TIMEOUT',
          `background queue not flushed within ${timeoutMs} ms (${this.depth} left)`,
        )
      }
      let timer: NodeJS.Timeout | undefined
      const progress = this.#serial ?? (this.#inFlight.size > 0 ? Promise.race(this.#inFlight) : undefined)
      await Promise.race([
        progress ?? new Promise((resolve) => setImmediate(resolve)),
        new Promise((resolve) => (timer = setTimeout(resolve, remaining))),
      ])
      clearTimeout(timer)
    }
  }

  /** Removes and returns what waits and was not handed on yet (given up at shutdown, to spill it). */
  takeAll(): T[] {
    const rest = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    this.#onDepth(this.depth)
    return rest
  }
}
