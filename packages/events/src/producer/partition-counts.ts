// Partition counts by topic, for cutting batches into per-partition chunks (send-pipeline.ts). A count older than
// `maxAgeMs` is refreshed in the background while the old one is still used; an unknown one makes the pipeline
// send each batch alone until it is loaded.
export class PartitionCounts {
  readonly #load: (topic: string) => Promise<Map<string, number>>
  readonly #onError: (topic: string, error: unknown) => void
  readonly #maxAgeMs: number
  readonly #counts = new Map<string, { count: number; at: number }>()
  readonly #refreshing = new Set<string>()

  constructor(
    load: (topic: string) => Promise<Map<string, number>>,
    onError: (topic: string, error: unknown) => void,
    maxAgeMs = 30_000,
  ) {
    this.#load = load
    this.#onError = onError
    this.#maxAgeMs = maxAgeMs
  }

  remember(found: Map<string, number>): void {
    for (const [topic, count] of found) this.#counts.set(topic, { count, at: Date.now() })
  }

  get(topic: string): number | undefined {
    const known = this.#counts.get(topic)
    if ((!known || Date.now() - known.at > this.#maxAgeMs) && !this.#refreshing.has(topic)) {
      this.#refreshing.add(topic)
      this.#load(topic)
        .then(
          (found) => this.remember(found),
          (error: unknown) => this.#onError(topic, error),
        )
        .finally(() => this.#refreshing.delete(topic))
    }
    return known?.count
  }
}
