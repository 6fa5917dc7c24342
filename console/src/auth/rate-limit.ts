// Login attempts per client address and per username, in fixed windows. In memory: one console process serves
// an installation; a restart forgives, which the attempt budget allows for.

export interface LimitOptions {
  windowMs: number
  perAddress: number
  perUsername: number
}

const MAX_BUCKETS = 50_000

export class LoginLimiter {
  readonly #options: LimitOptions
  readonly #buckets = new Map<string, { hits: number; until: number }>()

  constructor(options: LimitOptions) {
    this.#options = options
  }

  /** Counts an attempt; returns the seconds to wait when over the limit, else 0. */
  hit(address: string, username: string): number {
    const now = Date.now()
    if (this.#buckets.size > MAX_BUCKETS)
      for (const [k, b] of this.#buckets) if (b.until <= now) this.#buckets.delete(k)
    const wait = [
      this.#count(`a:${address}`, now, this.#options.perAddress),
      this.#count(`u:${username}`, now, this.#options.perUsername),
    ]
    return Math.max(...wait)
  }

  #count(key: string, now: number, limit: number): number {
    let bucket = this.#buckets.get(key)
    if (!bucket || bucket.until <= now) {
      bucket = { hits: 0, until: now + this.#options.windowMs }
      this.#buckets.set(key, bucket)
    }
    bucket.hits++
    return bucket.hits > limit ? Math.ceil((bucket.until - now) / 1000) : 0
  }
}
