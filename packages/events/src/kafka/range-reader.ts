import { randomUUID } from 'node:crypto'
import { Consumer, IS_CONTROL } from '@platformatic/kafka'
import { GrimError } from '../errors.ts'
import { type ConnectionOptions, connection, principalOf } from './connection.ts'
import { kafkaError } from './errors.ts'
import type { IncomingRecord, PartitionRange } from './types.ts'

const MAX_BYTES_PER_FETCH = 1_048_576
/** A caller may read bigger pieces (fewer round trips when scanning far), never unbounded ones. */
const MAX_FETCH_LIMIT = 16 * 1_048_576

export interface RangeReaderOptions extends ConnectionOptions {
  /** Bytes one fetch of one partition may return (default 1 MiB, at most 16 MiB). */
  maxBytesPerFetch?: number
}

/**
 * Reads offset ranges of a topic without joining a consumer group and without committing, for tools that
 * browse a topic (the DLQ). The group id is a throwaway: the broker never hears of it.
 */
export class KafkaRangeReader {
  readonly #client: Consumer<Buffer, Buffer, string, Buffer>
  readonly #principal: string
  readonly #maxBytes: number

  constructor(options?: RangeReaderOptions) {
    const { maxBytesPerFetch, ...connectionOptions } = options ?? {}
    this.#principal = principalOf(connectionOptions)
    this.#maxBytes = Math.min(Math.max(maxBytesPerFetch ?? MAX_BYTES_PER_FETCH, 65_536), MAX_FETCH_LIMIT)
    this.#client = new Consumer({ ...connection(connectionOptions), groupId: `grimos-range-reader-${randomUUID()}` })
  }

  /**
   * Yields the records with `from <= offset < until`, partition by partition in offset order. Callers pass
   * an `until` captured up front (the high watermark), so reading never waits for records still to come.
   */
  async *read(topic: string, ranges: PartitionRange[]): AsyncGenerator<IncomingRecord> {
    // Nothing to read asks the broker nothing: a topic that does not exist is then no error.
    if (ranges.every((range) => range.until <= range.from)) return
    const { topicId, leaders } = await this.#layout(topic)
    for (const { partition, from, until } of ranges) {
      const leader = leaders[partition]
      if (leader === undefined) throw new GrimError('GRIM_KAFKA_UNAVAILABLE', `${topic}/${partition} has no leader`)
      let offset = from
      while (offset < until) {
        const batches = await this.#fetch(topic, topicId, leader, partition, offset)
        let next = offset
        for (const batch of batches) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
          if (last + 1n > next) next = last + 1n
          if (batch.attributes & IS_CONTROL) continue
          for (const record of batch.records) {
            const recordOffset = batch.firstOffset + BigInt(record.offsetDelta)
            if (recordOffset < offset || recordOffset >= until) continue
            yield {
              topic,
              partition,
              offset: recordOffset,
              timestamp: batch.firstTimestamp + record.timestampDelta,
              key: record.key ?? undefined,
              value: record.value ?? undefined,
              headers: new Map(
                record.headers.map(([name, value]) => [name?.toString('utf8') ?? '', value ?? Buffer.alloc(0)]),
              ),
              leaderEpoch: batch.partitionLeaderEpoch,
            }
          }
        }
        // No progress means nothing is stored below `until` any more (compaction or retention took it).
        if (next === offset) break
        offset = next
      }
    }
  }

  async #layout(topic: string): Promise<{ topicId: string; leaders: number[] }> {
    try {
      const metadata = await this.#client.metadata({ topics: [topic] })
      const found = metadata.topics.get(topic)
      if (!found) throw new Error(`topic ${topic} is unknown`)
      return { topicId: found.id, leaders: found.partitions.map((p) => p.leader) }
    } catch (error) {
      throw kafkaError(`reading metadata of ${topic} failed`, error, { principal: this.#principal })
    }
  }

  async #fetch(topic: string, topicId: string, node: number, partition: number, fetchOffset: bigint) {
    try {
      const response = await this.#client.fetch({
        node,
        maxWaitTime: 100,
        topics: [
          {
            topicId,
            partitions: [
              {
                partition,
                fetchOffset,
                partitionMaxBytes: this.#maxBytes,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ],
      })
      const answer = response.responses.flatMap((t) => t.partitions).find((p) => p.partitionIndex === partition)
      // A partition-level error (leader moved, offset out of range...) must not read as "nothing more here".
      if (answer && answer.errorCode !== 0) {
        throw new GrimError('GRIM_KAFKA_UNAVAILABLE', `broker answered error code ${answer.errorCode}`)
      }
      return answer?.records ?? []
    } catch (error) {
      throw kafkaError(`reading ${topic}/${partition} from offset ${fetchOffset} failed`, error, {
        principal: this.#principal,
      })
    }
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
