// Kafka writes of one partition pair: retried with backoff until they succeed or the pair is revoked, and,
// for the retry topic, chained per key so a key's records land in the order they were handed over.
import { type Dependency, dependencyOutageOf } from '../dependency.ts'
import type { OutgoingRecord } from '../kafka/index.ts'
import { sleep } from '../sleep.ts'
import type { OutageMonitor } from './outage.ts'

export interface KeyedWriterDeps {
  /** Aborted when the pair is revoked: pending writes give up (false), nothing more becomes final. */
  signal: AbortSignal
  produce(records: OutgoingRecord[]): Promise<void>
  onError(error: unknown, context: string): void
  /** Names the pair in error contexts, e.g. `orders[3]`. */
  where: string
  /** Where a write waiting for the broker shows up (health not ready, outage gauge). */
  outages?: OutageMonitor
}

export class KeyedWriter {
  readonly #deps: KeyedWriterDeps
  readonly #chains = new Map<string, Promise<boolean>>()

  constructor(deps: KeyedWriterDeps) {
    this.#deps = deps
  }

  /** Settles once every send of `key` asked for so far has (true: all written; no chain: nothing pending). */
  chainOf(key: string): Promise<boolean> | undefined {
    return this.#chains.get(key)
  }

  /** Per key, one produce at a time and in call order, so the retry topic keeps the key's order. */
  send(key: string, outgoing: OutgoingRecord): Promise<boolean> {
    const previous = this.#chains.get(key) ?? Promise.resolve(true)
    const next = previous.then(() => this.persist('producing to the retry topic', () => this.#deps.produce([outgoing])))
    this.#chains.set(key, next)
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key)
    })
    return next
  }

  /**
   * Retries a Kafka write with backoff until it succeeds or the pair is revoked (false). These writes have no
   * budget: they only fail for the broker's reasons, which a write that waits counts as an outage while it lasts.
   */
  async persist(what: string, write: () => Promise<unknown>): Promise<boolean> {
    const { signal, outages } = this.#deps
    let down: Dependency | undefined
    try {
      for (let delay = 100; !signal.aborted; delay = Math.min(delay * 2, 5_000)) {
        try {
          await write()
          if (down) outages?.recovered(down)
          return true
        } catch (error) {
          this.#deps.onError(error, `${what} for ${this.#deps.where}`)
          const dependency = dependencyOutageOf(error)
          if (dependency !== down) {
            if (down) outages?.release(down)
            down = dependency
            if (down) outages?.hold(down, error)
          }
          if (!(await sleep(delay, signal))) return false
        }
      }
      return false
    } finally {
      if (down) outages?.release(down)
    }
  }
}
