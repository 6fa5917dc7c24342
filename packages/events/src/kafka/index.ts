// The Kafka clients of @grimos/events on @platformatic/kafka. The rest of the library sees the small interfaces
// below and the records of types.ts. Swapping the client library means rewriting this folder, not this file
// alone: fetch-guard.ts, co-partition.ts, range-reader.ts and errors.ts work on the client's own types too, and
// client-internals.ts fences what we rely on beyond its documented API.
// Safety defaults are fixed here, not options: idempotent producer with acks=all, never autocommit
// (it commits fetched-but-unhandled offsets: at-most-once), classic group protocol.
import { Admin, type Message, stringDeserializer } from '@platformatic/kafka'
import { eventsEnv } from '../env.ts'
import { resolveOptions } from '../options.ts'
import { type ByteStream, generationOf, revokeHookOptions, ScreenedConsumer } from './client-internals.ts'
import { coPartitionedAssigner } from './co-partition.ts'
import { type ConnectionOptions, connection, principalOf } from './connection.ts'
import { classifyKafkaFailure, kafkaError } from './errors.ts'
import { type FetchDiscard, FetchGuard } from './fetch-guard.ts'
import { connectionDefaults, TopicOptionsSchema, topicDefaults } from './options.ts'
import { KafkaRangeReader } from './range-reader.ts'
import type {
  CommitPosition,
  IncomingRecord,
  OutgoingRecord,
  PartitionOffsets,
  PartitionRange,
  RecordPosition,
  TopicPartition,
} from './types.ts'

export {
  type BrokerInfo,
  type ClusterInfo,
  type CommittedOffset,
  type GroupDescription,
  type GroupInfo,
  type GroupMemberInfo,
  KafkaInspector,
  type PartitionLayout,
  partitionOfKey,
  type TopicConfigs,
} from './inspect.ts'
export { type Compression, KafkaProducer, type ProducerTuning } from './producer.ts'
export type {
  CommitPosition,
  ConnectionOptions,
  FetchDiscard,
  IncomingRecord,
  OutgoingRecord,
  PartitionOffsets,
  PartitionRange,
  RecordPosition,
  TopicPartition,
}
export { connectionDefaults, KafkaRangeReader, kafkaError, topicDefaults }

const passBuffer = (data?: Buffer) => data
const deserializers = { key: passBuffer, value: passBuffer, headerKey: stringDeserializer, headerValue: passBuffer }

export interface GroupConsumerOptions extends ConnectionOptions {
  groupId: string
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  maxWaitTimeMs?: number
  /** Where to start when the group has no committed offset. */
  fromBeginning?: boolean
  /**
   * Give partition N of every subscribed topic to the same member (see co-partition.ts). Needed when two
   * topics with equal partition counts carry the same keys, e.g. a topic and its retry topic.
   */
  coPartitioned?: boolean
  /** Told of fetched data thrown away so that no record is skipped (see fetch-guard.ts); it is fetched again. */
  onFetchDiscarded?(discard: FetchDiscard): void
}

export interface RebalanceListener {
  /** Called before partitions are taken away, so the caller can finish and commit them. */
  onRevoke(partitions: TopicPartition[]): Promise<void>
  /** `generationId` matches `IncomingRecord.generationId` of records fetched under this assignment. */
  onAssign(partitions: TopicPartition[], generationId: number): void
}

function toIncoming(message: Message<Buffer, Buffer, string, Buffer>): IncomingRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? undefined,
    value: message.value ?? undefined,
    headers: message.headers,
    leaderEpoch: message.leaderEpoch,
    generationId: generationOf(message),
  }
}

function flatten(assignments: { topic: string; partitions: number[] }[] | null): TopicPartition[] {
  return (assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
}

/** A consumer-group member that reads with manual commits only. */
export class KafkaGroupConsumer {
  readonly #client: ScreenedConsumer
  readonly #fromBeginning: boolean
  #stream: ByteStream | undefined
  #assigned: TopicPartition[] = []
  #listener: RebalanceListener | undefined
  #revoking = false
  readonly #principal: string

  constructor(options: GroupConsumerOptions) {
    this.#principal = principalOf(options)
    this.#fromBeginning = options.fromBeginning ?? true
    this.#client = new ScreenedConsumer(
      {
        ...connection(options),
        groupId: options.groupId,
        groupProtocol: 'classic',
        autocommit: false,
        sessionTimeout: options.sessionTimeoutMs ?? 20_000,
        heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
        maxWaitTime: options.maxWaitTimeMs ?? 500,
        deserializers,
        ...(options.coPartitioned ? { partitionAssigner: coPartitionedAssigner } : {}),
        // The classic protocol gives no "about to revoke" callback: the client rejoins right after a heartbeat
        // says "rebalancing", and revocation is announced just before that JoinGroup.
        ...revokeHookOptions(() => this.#announceRevoke()),
      },
      new FetchGuard((discard) => options.onFetchDiscarded?.(discard)),
    )
  }

  async #announceRevoke(): Promise<void> {
    // A commit that fails with a stale generation makes the client rejoin from inside our own callback.
    if (this.#revoking || this.#assigned.length === 0 || !this.#listener) return
    this.#revoking = true
    const revoked = this.#assigned
    this.#assigned = []
    try {
      await this.#listener.onRevoke(revoked)
    } finally {
      this.#revoking = false
    }
  }

  get groupId(): string {
    return this.#client.groupId
  }

  get assigned(): TopicPartition[] {
    return this.#assigned
  }

  /** Joins the group and yields records in fetch order (per partition: offset order). */
  async subscribe(topics: string[], listener?: RebalanceListener): Promise<AsyncIterable<IncomingRecord>> {
    const stream = await this.#join(topics, listener)
    return {
      async *[Symbol.asyncIterator]() {
        for await (const message of stream) yield toIncoming(message as Message<Buffer, Buffer, string, Buffer>)
      },
    }
  }

  /**
   * Joins the group and hands each record to `sink.record` as it is fetched (per partition: offset order).
   * Unlike `subscribe`, no promise per record: for consumers whose per-record work is synchronous.
   * `sink.end` runs once when the stream stops, with the error that stopped it if any.
   */
  async consumeEach(
    topics: string[],
    listener: RebalanceListener,
    sink: { record(record: IncomingRecord): void; end(error?: unknown): void },
  ): Promise<void> {
    const stream = await this.#join(topics, listener)
    let ended = false
    const end = (error?: unknown) => {
      if (ended) return
      ended = true
      sink.end(
        error === undefined
          ? undefined
          : kafkaError('reading from Kafka failed', error, { principal: this.#principal }),
      )
    }
    stream.on('data', (message) => sink.record(toIncoming(message as Message<Buffer, Buffer, string, Buffer>)))
    stream.once('error', end)
    stream.once('close', () => end())
  }

  async #join(topics: string[], listener?: RebalanceListener): Promise<ByteStream> {
    this.#listener = listener
    this.#client.on('consumer:group:join', (payload) => {
      this.#assigned = flatten(payload.assignments ?? null)
      listener?.onAssign(this.#assigned, payload.generationId ?? -1)
    })
    try {
      this.#stream = await this.#client.consume({
        topics,
        autocommit: false,
        mode: 'committed',
        fallbackMode: this.#fromBeginning ? 'earliest' : 'latest',
      })
      this.#client.watch(this.#stream)
    } catch (error) {
      throw kafkaError(`joining consumer group ${this.#client.groupId} failed`, error, { principal: this.#principal })
    }
    return this.#stream
  }

  async commit(positions: CommitPosition[]): Promise<void> {
    if (positions.length === 0) return
    try {
      await this.#client.commit({ offsets: positions })
    } catch (error) {
      throw kafkaError(`committing offsets for group ${this.#client.groupId} failed`, error, {
        principal: this.#principal,
      })
    }
  }

  pause(): void {
    this.#stream?.pause()
  }

  resume(): void {
    this.#stream?.resume()
  }

  /** Committed offset per partition of `topic` (-1 where the group has committed nothing). */
  async committed(topic: string, partitions: number[]): Promise<bigint[]> {
    try {
      const offsets = await this.#client.listCommittedOffsets({ topics: [{ topic, partitions }] })
      return offsets.get(topic) ?? partitions.map(() => -1n)
    } catch (error) {
      throw kafkaError(`reading committed offsets of group ${this.#client.groupId} failed`, error, {
        principal: this.#principal,
      })
    }
  }

  async close(): Promise<void> {
    if (this.#stream) await this.#stream.close()
    await this.#client.close()
  }
}

export class KafkaAdmin {
  readonly #client: Admin
  readonly #principal: string

  constructor(options?: ConnectionOptions) {
    this.#principal = principalOf(options)
    this.#client = new Admin(connection(options))
  }

  /** Creates the topic if it is missing; an existing topic is left as it is. */
  async ensureTopic(
    topic: string,
    layout: { partitions?: number; replicationFactor?: number; minInsyncReplicas?: number; retentionMs?: number } = {},
    /** Further topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
    extraConfigs: Record<string, string> = {},
  ): Promise<void> {
    const env = eventsEnv()
    const fromEnv = {
      partitions: env.topicPartitions,
      replicationFactor: env.topicReplication,
      minInsyncReplicas: env.topicMinIsr,
    }
    const resolved = resolveOptions(`topic ${topic}`, TopicOptionsSchema, topicDefaults, layout, fromEnv)
    const existing = await this.listTopics()
    if (existing.includes(topic)) return
    const configs = [{ name: 'min.insync.replicas', value: String(resolved.minInsyncReplicas) }]
    if (resolved.retentionMs !== undefined) configs.push({ name: 'retention.ms', value: String(resolved.retentionMs) })
    for (const [name, value] of Object.entries(extraConfigs)) configs.push({ name, value })
    try {
      await this.#client.createTopics({
        topics: [topic],
        partitions: resolved.partitions,
        replicas: resolved.replicationFactor,
        configs,
      })
    } catch (error) {
      // Another process may have created it between our check and our request.
      if (classifyKafkaFailure(error).fault === 'topic-exists') return
      throw kafkaError(`creating topic ${topic} failed`, error, { principal: this.#principal })
    }
  }

  async listTopics(): Promise<string[]> {
    try {
      return await this.#client.listTopics()
    } catch (error) {
      throw kafkaError('listing topics failed', error, { principal: this.#principal })
    }
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return
    try {
      await this.#client.deleteTopics({ topics })
    } catch (error) {
      throw kafkaError(`deleting topics ${topics.join(', ')} failed`, error, { principal: this.#principal })
    }
  }

  /** Earliest and latest offsets of every partition of `topic`. */
  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    try {
      const metadata = await this.#client.metadata({ topics: [topic] })
      const partitions = [...(metadata.topics.get(topic)?.partitions.keys() ?? [])].map((partition) => ({
        partitionIndex: partition,
        timestamp: -2n,
      }))
      const [earliest, latest] = await Promise.all(
        [-2n, -1n].map((timestamp) =>
          this.#client.listOffsets({
            topics: [{ name: topic, partitions: partitions.map((p) => ({ ...p, timestamp })) }],
          }),
        ),
      )
      const low = new Map(earliest?.[0]?.partitions.map((p) => [p.partitionIndex, p.offset]) ?? [])
      return (latest?.[0]?.partitions ?? [])
        .map((p) => ({ topic, partition: p.partitionIndex, low: low.get(p.partitionIndex) ?? 0n, high: p.offset }))
        .sort((a, b) => a.partition - b.partition)
    } catch (error) {
      throw kafkaError(`reading offsets of ${topic} failed`, error, { principal: this.#principal })
    }
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
