// Kafka writes of one partition pair: retried with backoff until they succeed or the pair is revoked, and,
// for the retry topic, chained per key so a key's records land in the order they were handed over.
import type { OutgoingRecord } from '../kafka/index.ts'
import { sleep } from './dispatch.ts'

export interface KeyedWriterDeps {
  /** Aborted when the pair is revoked: pending writes give up (false), nothing more becomes final. */
  signal: AbortSignal
  produce(records: OutgoingRecord[]): Promise<void>
  onError(error: unknown, context: string): void
  /** Names the pair in error contexts, e.g. `orders[3]`. */
  where: string
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

  /** Retries a Kafka write with backoff until it succeeds or the pair is revoked (false). */
  async persist(what: string, write: () => Promise<unknown>): Promise<boolean> {
    const { signal } = this.#deps
    for (let delay = 100; !signal.aborted; delay = Math.min(delay * 2, 5_000)) {
      try {
        await write()
        return true
      } catch (error) {
        this.#deps.onError(error, `${what} for ${this.#deps.where}`)
        if (!(await sleep(delay, signal))) return false
      }
    }
    return false
  }
}
