// The producer of @grimos/events. Safety defaults are fixed here, not options: idempotent, acks=all, the Java
// client's partitioner. The client allows one request in flight per connection for an idempotent producer;
// callers that want several batches under way call `send` again before the last one settled (the publisher's send
// worker does, one request per partition at a time, see docs/publishing-pipeline.md).
import { compatibilityPartitioner, ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka'
import { partitionForClient } from './client-internals.ts'
import { type ConnectionOptions, connection, principalOf } from './connection.ts'
import { kafkaError } from './errors.ts'
import type { OutgoingRecord, RecordPosition } from './types.ts'

const passBuffer = (data?: Buffer) => data
// Header names may come as bytes already (the publisher's send worker reuses them record after record).
const headerName = (name?: string | Buffer) => (typeof name === 'string' ? stringSerializer(name) : name)
const serializers = { key: passBuffer, value: passBuffer, headerKey: headerName, headerValue: passBuffer }

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Producer settings beyond the connection's. */
export interface ProducerTuning {
  /** Compression of record batches; 'none' by default. */
  compression?: Compression
}

function toHeaderMap(headers: OutgoingRecord['headers']): Map<string | Buffer, Buffer> | undefined {
  if (!headers || headers instanceof Map) return headers
  const map = new Map<string | Buffer, Buffer>()
  for (const [name, value] of Object.entries(headers))
    map.set(name, typeof value === 'string' ? Buffer.from(value) : value)
  return map
}

export class KafkaProducer {
  readonly #client: Producer<Buffer, Buffer, string | Buffer, Buffer>
  readonly #principal: string

  constructor(options?: ConnectionOptions, tuning: ProducerTuning = {}) {
    this.#principal = principalOf(options)
    this.#client = new Producer({
      ...connection(options),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers,
      // The Java client's choice of partition for a key (the library's own default differs for half the keys),
      // so every grimOS publisher, in any language, puts one user's events on one partition.
      partitioner: compatibilityPartitioner,
      ...(tuning.compression && tuning.compression !== 'none' && { compression: tuning.compression }),
    })
  }

  /** Resolves once the broker acknowledged every record (acks=all). */
  async send(records: OutgoingRecord[]): Promise<RecordPosition[]> {
    try {
      const result = await this.#client.send({
        messages: records.map((r) => ({
          topic: r.topic,
          key: typeof r.key === 'string' ? Buffer.from(r.key) : r.key,
          value: r.value ?? undefined,
          headers: toHeaderMap(r.headers),
          partition: partitionForClient(r.partition),
          timestamp: r.timestamp,
        })),
      })
      return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) }))
    } catch (error) {
      throw kafkaError('producing to Kafka failed', error, { principal: this.#principal })
    }
  }

  /**
   * Connects, gets a producer id (InitProducerId) and the topics' metadata, so the first send pays for none of
   * it. Resolves with each topic's partition count.
   */
  async warm(topics: string[]): Promise<Map<string, number>> {
    try {
      await this.#client.initIdempotentProducer({})
      return topics.length ? await this.partitionCounts(topics) : new Map()
    } catch (error) {
      throw kafkaError('connecting the producer failed', error, { principal: this.#principal })
    }
  }

  /** The topics' partition counts, from the client's metadata cache (fetched when missing or old). */
  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    try {
      const metadata = await this.#client.metadata({ topics })
      const counts = new Map<string, number>()
      for (const topic of topics) {
        const count = metadata.topics.get(topic)?.partitionsCount
        if (count) counts.set(topic, count)
      }
      return counts
    } catch (error) {
      throw kafkaError('reading topic metadata failed', error, { principal: this.#principal })
    }
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
