// Failed logins per client address and per username, in fixed windows: once either is over its budget, logins
// (and Basic-authenticated API calls) from there or for that name are refused until the window ends, even with
// the right password. In memory: one console process serves an installation; a restart forgives.

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

  /** Seconds to wait before trying again, or 0. */
  blocked(address: string, username: string): number {
    const now = Date.now()
    return Math.max(
      this.#wait(`a:${address}`, now, this.#options.perAddress),
      this.#wait(`u:${username}`, now, this.#options.perUsername),
    )
  }

  failed(address: string, username: string): void {
    const now = Date.now()
    if (this.#buckets.size > MAX_BUCKETS)
      for (const [key, bucket] of this.#buckets) if (bucket.until <= now) this.#buckets.delete(key)
    for (const key of [`a:${address}`, `u:${username}`]) {
      let bucket = this.#buckets.get(key)
      if (!bucket || bucket.until <= now) {
        bucket = { hits: 0, until: now + this.#options.windowMs }
        this.#buckets.set(key, bucket)
      }
      bucket.hits++
    }
  }

  #wait(key: string, now: number, limit: number): number {
    const bucket = this.#buckets.get(key)
    if (!bucket || bucket.until <= now || bucket.hits < limit) return 0
    return Math.ceil((bucket.until - now) / 1000)
  }
}
