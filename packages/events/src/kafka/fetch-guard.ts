// Keeps fetch responses that belong to a position the consumer has left away from the messages stream.
//
// @platformatic/kafka 2.12.1 resets a stream's fetch positions to the committed offsets when the group is
// joined again, but neither waits for nor discards a fetch already in flight. When that response lands
// later, the stream moves the partition's position to the end of the stale batch and hands its records
// out under the NEW generation, so the records between the committed offset and that batch are never
// fetched again, and a commit of the stale records' offsets would cover them: silent loss. The stream
// looks at no fetch response without going through `Consumer.fetch`, so the response is screened there,
// before the stream sees it (client-internals.ts, assumptions A1 to A4; upstream: platformatic/kafka#223):
// - while a rejoin's position reset is under way, every partition's data is discarded (it was fetched
//   for the earlier assignment);
// - data fetched from another offset than the stream's current position for the partition is discarded
//   (a reset or another response moved the position while the fetch was in flight);
// - after each reset, the first data of a partition must come from the offset it was reset to. If the
//   position moved off it some other way, the data is discarded and the partition is read again from
//   there. The screens above should make this impossible; it is the check that no record is skipped.
// A discarded partition keeps its position, so the stream simply fetches it again.
import type { fetchV17 } from '@platformatic/kafka'
import { type FetchScreen, positionKey, type StreamPositions } from './client-internals.ts'
import type { TopicPartition } from './types.ts'

export { positionKey, type StreamPositions }

type FetchResponse = fetchV17.FetchResponse
type FetchRequestTopic = fetchV17.FetchRequestTopic

export interface FetchDiscard extends TopicPartition {
  /** The offset the discarded data was fetched from. */
  fetchedFrom: bigint
  /**
   * 'stale': fetched for a position the stream had already left (the rejoin race), dropped before use.
   * 'gap': the first data after a position reset did not start where the reset put it; the partition is
   * read again from `expected`.
   */
  reason: 'stale' | 'gap'
  /** With 'gap': the offset the partition was reset to, where reading starts again. */
  expected?: bigint
}

export class FetchGuard implements FetchScreen {
  readonly #onDiscard: (discard: FetchDiscard) => void
  #stream: StreamPositions | undefined
  #resetting = false
  /** Per partition: the offset its first data must be fetched from, until that data arrived. */
  readonly #expected = new Map<string, bigint>()

  constructor(onDiscard: (discard: FetchDiscard) => void) {
    this.#onDiscard = onDiscard
  }

  /** Starts screening a stream; fetches made before it existed cannot be stale. */
  attach(stream: StreamPositions): void {
    this.#stream = stream
  }

  /** The group was joined (again): the stream resets its positions next, and what is in flight is stale. */
  joined(): void {
    if (!this.#stream) return
    this.#resetting = true
    this.#expected.clear()
  }

  /** The stream set its positions (after a join, a refresh, or an out-of-range recovery). */
  positionsSet(): void {
    const stream = this.#stream
    if (!stream) return
    this.#resetting = false
    this.#expected.clear()
    for (const { topic, partition } of stream.assigned()) {
      const key = positionKey(topic, partition)
      const position = stream.positions.get(key)
      if (position !== undefined) this.#expected.set(key, position)
    }
  }

  /** The response without the data that must not reach the stream (the same object when all may). */
  screen(request: FetchRequestTopic[], response: FetchResponse): FetchResponse {
    const stream = this.#stream
    if (!stream) return response
    let requested: Map<string, bigint> | undefined
    let kept: FetchResponse | undefined
    response.responses.forEach((topicResponse, index) => {
      const topic = stream.topicName(topicResponse.topicId)
      const partitions = topicResponse.partitions.filter((partitionResponse) => {
        if (!partitionResponse.records?.length || topic === undefined) return true
        requested ??= requestedOffsets(request, stream)
        return this.#admit(stream, topic, partitionResponse.partitionIndex, requested)
      })
      if (partitions.length === topicResponse.partitions.length) return
      kept ??= { ...response, responses: [...response.responses] }
      kept.responses[index] = { ...topicResponse, partitions }
    })
    return kept ?? response
  }

  #admit(stream: StreamPositions, topic: string, partition: number, requested: Map<string, bigint>): boolean {
    const key = positionKey(topic, partition)
    const fetchedFrom = requested.get(key)
    // Not asked for in this request: the stream ignores such data itself.
    if (fetchedFrom === undefined) return true
    const position = stream.positions.get(key)
    if (this.#resetting || (position !== undefined && position !== fetchedFrom)) {
      this.#onDiscard({ topic, partition, fetchedFrom, reason: 'stale' })
      return false
    }
    const expected = this.#expected.get(key)
    if (expected === undefined) return true
    if (fetchedFrom === expected) {
      this.#expected.delete(key)
      return true
    }
    stream.positions.set(key, expected)
    this.#onDiscard({ topic, partition, fetchedFrom, reason: 'gap', expected })
    return false
  }
}

function requestedOffsets(request: FetchRequestTopic[], stream: StreamPositions): Map<string, bigint> {
  const offsets = new Map<string, bigint>()
  for (const { topicId, partitions } of request) {
    const topic = stream.topicName(topicId)
    if (topic === undefined) continue
    for (const { partition, fetchOffset } of partitions) offsets.set(positionKey(topic, partition), fetchOffset)
  }
  return offsets
}
