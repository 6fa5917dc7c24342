// Every place where @grimos/events relies on how @platformatic/kafka behaves inside, beyond its documented
// API. Checked against @platformatic/kafka 2.12.1 (CHECKED_CLIENT_VERSION); the tripwire test
// (test/kafka/client-internals.test.ts) fails, naming the assumption, when an upgrade breaks one of them.
//
// A1 position keys: a messages stream keys its next-offset-to-fetch map (`offsetsToFetch`) by
//    `${topic}:${partition}`, the format of the library's own `partitionKey` helper, which is not exported.
// A2 live positions: `MessagesStream.offsetsToFetch` is the stream's own map, not a copy; setting an entry
//    moves where the stream fetches that partition next.
// A3 one way in: the stream makes every fetch through the public `Consumer.fetch`, always with a callback,
//    so a subclass overriding `fetch` sees each response before the stream does.
// A4 position resets are announced: the stream emits 'offsets' each time it has (re)set its positions after
//    a join, a refresh or an out-of-range recovery, and the consumer emits 'consumer:group:join' before that.
// A5 revoke hook: the classic protocol has no "partitions revoked" callback. `protocolsMetadata` is called
//    before every JoinGroup, while the member still holds its old generation (commits are accepted), so it
//    serves as one.
// A6 partition modulo: the producer applies `partition %= partitionsCount` to an explicit partition before
//    sending, so a key's hash may be passed as the partition.
// A7 generation of a record: a fetched message carries `metadata.consumer.generationId`, the generation it
//    was fetched under (untyped: `metadata` is `Record<string, unknown>`).
//
// A3 and A4 exist to work around the rejoin race, reported upstream as platformatic/kafka#223
// (https://github.com/platformatic/kafka/issues/223): a fetch in flight across a rejoin lands after the
// positions were reset, and the stream hands its records out under the new generation (see fetch-guard.ts).
import {
  type CallbackWithPromise,
  Consumer,
  type ConsumerOptions,
  type FetchOptions,
  type fetchV17,
  type GroupProtocolsMetadataCallback,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka'
import type { TopicPartition } from './types.ts'

/** The client version every assumption above was last checked against. */
export const CHECKED_CLIENT_VERSION = '2.12.1'

type FetchResponse = fetchV17.FetchResponse
type FetchRequestTopic = fetchV17.FetchRequestTopic
type Options = ConsumerOptions<Buffer, Buffer, string, Buffer>
type Fetch = FetchOptions<Buffer, Buffer, string, Buffer>
export type ByteStream = MessagesStream<Buffer, Buffer, string, Buffer>

/** A1: the library's key for a partition in a stream's position map. */
export const positionKey = (topic: string, partition: number) => `${topic}:${partition}`

/** What a fetch screen needs of the stream and its consumer (kept small so tests can fake it). */
export interface StreamPositions {
  /** A2: the stream's own next-offset-to-fetch map (a write moves the stream); keys as `positionKey` makes them. */
  positions: Map<string, bigint>
  /** Partitions of the current assignment. */
  assigned(): TopicPartition[]
  topicName(topicId: string): string | undefined
}

/** What sees the stream's fetch responses first (fetch-guard.ts). */
export interface FetchScreen {
  attach(stream: StreamPositions): void
  /** The group was joined (again): the stream resets its positions next. */
  joined(): void
  /** The stream set its positions. */
  positionsSet(): void
  /** The response the stream may see. */
  screen(request: FetchRequestTopic[], response: FetchResponse): FetchResponse
}

/** A consumer whose messages stream only ever sees the fetch responses `screen` let through (A3, A4). */
export class ScreenedConsumer extends Consumer<Buffer, Buffer, string, Buffer> {
  readonly #screen: FetchScreen

  constructor(options: Options, screen: FetchScreen) {
    super(options)
    this.#screen = screen
    this.on('consumer:group:join', () => this.#screen.joined())
  }

  /** Screens the fetches of `stream`, this consumer's one messages stream, from now on. */
  watch(stream: ByteStream): void {
    const names = new Map<string, string>()
    this.#screen.attach({
      positions: stream.offsetsToFetch,
      assigned: () =>
        (this.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition }))),
      topicName: (topicId) => {
        if (!names.has(topicId))
          for (const [name, topic] of this.currentMetadata?.topics ?? []) names.set(topic.id, name)
        return names.get(topicId)
      },
    })
    stream.on('offsets', () => this.#screen.positionsSet())
  }

  override fetch(options: Fetch, callback: CallbackWithPromise<FetchResponse>): void
  override fetch(options: Fetch): Promise<FetchResponse>
  override fetch(options: Fetch, callback?: CallbackWithPromise<FetchResponse>): undefined | Promise<FetchResponse> {
    // Streams always pass a callback (A3); the promise form is only ever a direct call, with nothing to screen.
    if (!callback) return super.fetch(options)
    super.fetch(options, (error, response) =>
      callback(error, error || !response ? response : this.#screen.screen(options.topics, response)),
    )
  }
}

/** A5: consumer options that run `announce` before every JoinGroup, while the old generation still commits. */
export function revokeHookOptions(announce: () => Promise<void>): {
  protocolsMetadata: GroupProtocolsMetadataCallback
} {
  return {
    protocolsMetadata: async () => {
      await announce()
      return Buffer.alloc(0)
    },
  }
}

/** A6: an explicit partition as the client takes it: any non-negative number, reduced modulo the count. */
export function partitionForClient(partitionOrHash: number | undefined): number | undefined {
  return partitionOrHash
}

/** A7: the group generation a message was fetched under, or undefined outside a group. */
export function generationOf(message: Message<Buffer, Buffer, string, Buffer>): number | undefined {
  return (message.metadata?.consumer as { generationId?: number } | undefined)?.generationId
}
