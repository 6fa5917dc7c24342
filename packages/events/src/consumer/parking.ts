// Per-key ordering while an event waits for a retry (docs/consumer.md, "Parking and barriers"). A key is
// "parked" while any of its records is in the retry lane: produced to the retry topic and not yet read back, or
// read back and not yet finished. A parked key's later main-topic records are forwarded to the retry topic
// behind their predecessor, so the main partition never waits and its commit position keeps moving.
//
// One more case needs a barrier: a record R from the retry topic fails again and is produced once more
// (R'), landing at the end of the retry partition. The key's records that sat behind R in the retry
// partition are now ahead of R' in the log, though they must run after it. So R' becomes the key's
// barrier: every record of the key read from the retry topic until R' itself comes back is forwarded
// again, behind R'. Tokens (a header we set) tell our own produced records apart when they come back.
// Main-topic records of the key must not be forwarded while the barrier is out: they would land ahead of
// those re-forwarded records. They wait (in memory, briefly: R' is read back right after it is written).

import type { IncomingRecord } from '../kafka/index.ts'

export type RetryArrival = 'process' | 'forward'

/**
 * A record's ordering key: its key bytes, or for a keyless record its original offset (its own key). latin1 maps
 * each byte to one character: a unique string, cheaper to build than base64.
 */
export const keyOf = (record: IncomingRecord, originalOffset: bigint) =>
  record.key ? `k${record.key.toString('latin1')}` : `o${originalOffset}`

export class KeyParking {
  /** Tokens of records produced to the retry topic and not read back yet. */
  readonly #outstanding = new Map<string, Set<string>>()
  /** Retry-topic records read back and not finished. */
  readonly #held = new Map<string, number>()
  readonly #barrier = new Map<string, string>()

  /** A barrier of `key` is out: its main-topic records wait until it comes back. */
  hasBarrier(key: string): boolean {
    return this.#barrier.has(key)
  }

  isParked(key: string): boolean {
    return (this.#outstanding.get(key)?.size ?? 0) > 0 || (this.#held.get(key) ?? 0) > 0
  }

  /** A record of `key` is being produced to the retry topic under `token`. */
  sending(key: string, token: string, options: { barrier: boolean }): void {
    const tokens = this.#outstanding.get(key) ?? new Set<string>()
    tokens.add(token)
    this.#outstanding.set(key, tokens)
    if (options.barrier) this.#barrier.set(key, token)
  }

  /** A retry-topic record of `key` was read. 'process' means it now counts as held until `finished`. */
  arrived(key: string, token: string | undefined): RetryArrival {
    const tokens = this.#outstanding.get(key)
    if (token !== undefined && tokens?.delete(token) && tokens.size === 0) this.#outstanding.delete(key)
    const barrier = this.#barrier.get(key)
    if (barrier !== undefined) {
      if (token !== barrier) return 'forward'
      this.#barrier.delete(key)
    }
    this.#held.set(key, (this.#held.get(key) ?? 0) + 1)
    return 'process'
  }

  /** A held retry-topic record of `key` is final (handled, dead-lettered, or produced again). */
  finished(key: string): void {
    const held = (this.#held.get(key) ?? 0) - 1
    if (held > 0) this.#held.set(key, held)
    else this.#held.delete(key)
  }

  get parkedKeys(): number {
    const keys = new Set([...this.#outstanding.keys(), ...this.#held.keys()])
    return keys.size
  }
}
