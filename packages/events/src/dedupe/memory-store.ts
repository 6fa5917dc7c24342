import { type OptionsInput, resolveOptions } from '../options.ts'
import { InMemoryProcessedEventStoreOptionsSchema, inMemoryProcessedEventStoreDefaults } from './options.ts'
import type { ProcessedEventKey, ProcessedEventStore, RunOnceResult } from './types.ts'

export type InMemoryProcessedEventStoreOptions = OptionsInput<typeof InMemoryProcessedEventStoreOptionsSchema>

const toId = (key: ProcessedEventKey) => `${key.consumerGroup}\u0000${key.eventId}`

/**
 * Processed-event marks in a bounded LRU map, for tests and services without a database. It only dedupes
 * within one process lifetime (and within `maxEntries` recent events): after a restart or a rebalance to
 * another instance, a redelivered event runs again. `work` gets no transaction (`undefined`).
 */
export class InMemoryProcessedEventStore implements ProcessedEventStore {
  readonly #maxEntries: number
  // A Map iterates in insertion order, so re-inserting on use makes its first key the least recently used.
  readonly #done = new Map<string, true>()
  readonly #running = new Map<string, Promise<unknown>>()

  constructor(options?: InMemoryProcessedEventStoreOptions) {
    this.#maxEntries = resolveOptions(
      'in-memory processed-event store',
      InMemoryProcessedEventStoreOptionsSchema,
      inMemoryProcessedEventStoreDefaults,
      options,
    ).maxEntries
  }

  // Promise chains rather than async functions: this runs once per consumed event, and each async frame costs.
  runOnce<T>(key: ProcessedEventKey, work: (tx: undefined) => Promise<T>): Promise<RunOnceResult<T>> {
    const id = toId(key)
    const running = this.#running.get(id)
    if (running) {
      // Like the database claim, a concurrent call for the same key waits for the first one's outcome, then
      // tries again. The first caller receives and handles its own error; here it only means "not marked".
      const again = () => this.runOnce(key, work)
      return running.then(again, again)
    }
    if (this.#touch(id)) return Promise.resolve({ ran: false })
    let attempt: Promise<T>
    try {
      // Promise.resolve: a `work` that returns a plain value must not throw here after it ran.
      attempt = Promise.resolve(work(undefined))
    } catch (error) {
      return Promise.reject(error)
    }
    const settled = attempt.then(
      (result): RunOnceResult<T> => {
        this.#running.delete(id)
        this.#remember(id)
        return { ran: true, result }
      },
      (error: unknown) => {
        this.#running.delete(id)
        throw error
      },
    )
    this.#running.set(id, settled)
    return settled
  }

  async has(key: ProcessedEventKey): Promise<boolean> {
    return this.#done.has(toId(key))
  }

  get size(): number {
    return this.#done.size
  }

  #touch(id: string): boolean {
    if (!this.#done.delete(id)) return false
    this.#done.set(id, true)
    return true
  }

  #remember(id: string): void {
    this.#done.set(id, true)
    while (this.#done.size > this.#maxEntries) {
      const oldest = this.#done.keys().next()
      if (oldest.done) break
      this.#done.delete(oldest.value)
    }
  }
}
