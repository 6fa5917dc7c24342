/** A counting semaphore for handler concurrency whose waits end early (false) when a signal aborts. */
export class Slots {
  #free: number
  readonly #size: number
  readonly #waiting: (() => void)[] = []

  constructor(size: number) {
    this.#free = size
    this.#size = size
  }

  /** Slots held right now: handlers running. */
  get inUse(): number {
    return this.#size - this.#free
  }

  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false)
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort)
        resolve(true)
      }
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant)
        if (index >= 0) this.#waiting.splice(index, 1)
        resolve(false)
      }
      this.#waiting.push(grant)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  release(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free++
  }
}
