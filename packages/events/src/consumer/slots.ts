// Handler concurrency, shared by every partition of a consumer. A free slot is taken synchronously (no
// promise on the hot path). A wait belongs to an owner (a partition pair): revoking the pair cancels all
// its waits at once, instead of one abort listener per waiting record.

interface Waiter {
  owner: object
  grant: (granted: boolean) => void
}

export class Slots {
  #free: number
  readonly #size: number
  #waiting: Waiter[] = []
  #head = 0
  #granting = false

  constructor(size: number) {
    this.#free = size
    this.#size = size
  }

  /** Slots held right now: handlers running. */
  get inUse(): number {
    return this.#size - this.#free
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.#free === 0 || this.#head < this.#waiting.length) return false
    this.#free--
    return true
  }

  /** Calls `grant(true)` once a slot is this caller's, or `grant(false)` when `cancel(owner)` came first. */
  wait(owner: object, grant: (granted: boolean) => void): void {
    this.#waiting.push({ owner, grant })
    this.#drain()
  }

  release(): void {
    this.#free++
    this.#drain()
  }

  /** Ends every wait of `owner` with false. */
  cancel(owner: object): void {
    const waiting = this.#waiting.slice(this.#head)
    this.#waiting = waiting.filter((waiter) => waiter.owner !== owner)
    this.#head = 0
    for (const waiter of waiting) if (waiter.owner === owner) waiter.grant(false)
  }

  #drain(): void {
    // A grant may finish at once and release again: the loop hands that slot on, instead of recursing.
    if (this.#granting) return
    this.#granting = true
    while (this.#free > 0 && this.#head < this.#waiting.length) {
      const waiter = this.#waiting[this.#head++] as Waiter
      this.#free--
      waiter.grant(true)
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head)
      this.#head = 0
    }
    this.#granting = false
  }
}
