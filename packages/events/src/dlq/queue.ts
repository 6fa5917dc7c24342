import { GrimError } from '../errors.ts'
import { type ConnectionOptions, type IncomingRecord, KafkaRangeReader, type PartitionRange } from '../kafka/index.ts'
import { type HeldKafkaClients, holdKafkaClients, type KafkaClients } from '../kafka/shared-clients.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { readDeadLetterInfo } from './headers.ts'
import { DeadLetterQueueOptionsSchema, deadLetterQueueDefaults, requireDlqTopic, statusTopicOf } from './options.ts'
import {
  checkFilter,
  decodeCursor,
  decodeInto,
  describe,
  encodeCursor,
  matchesCheaply,
  matchesEventType,
} from './records.ts'
import { buildReplayRecord, replayRefusal, replaysSoFar, requireOriginalTopic } from './replay.ts'
import { DeadLetterStatusStore } from './status.ts'
import type {
  DeadLetterDecoder,
  DeadLetterFilter,
  DeadLetterObserver,
  DeadLetterPage,
  DeadLetterPosition,
  DeadLetterRecord,
  DeadLetterStatusEntry,
  DiscardOptions,
  ReplayManyResult,
  ReplayOptions,
  ReplayOutcome,
} from './types.ts'

/** The data options come from the schema (options.ts); `connection` takes the full client settings (SASL, TLS). */
export interface DeadLetterQueueOptions extends Omit<OptionsInput<typeof DeadLetterQueueOptionsSchema>, 'connection'> {
  connection?: ConnectionOptions
  decoder?: DeadLetterDecoder
  observer?: DeadLetterObserver
  /** A producer and an admin shared with the rest of the process; the caller closes them. Default: its own. */
  clients?: KafkaClients
}

const DEFAULT_PAGE = 100
const MAX_PAGE = 1000

interface Found {
  raw: IncomingRecord
  record: DeadLetterRecord
}

/**
 * Browse, replay and discard the records of one DLQ topic (ours, Spring Kafka's or Kafka Connect's). Reads
 * never join a consumer group, so browsing moves no offsets; decisions go to the compacted status topic.
 */
export class DeadLetterQueue {
  readonly topic: string
  readonly #sourceTopic: string | undefined
  readonly #maxReplays: number
  readonly #decoder: DeadLetterDecoder | undefined
  readonly #observer: DeadLetterObserver | undefined
  readonly #clients: HeldKafkaClients
  readonly #reader: KafkaRangeReader
  readonly #status: DeadLetterStatusStore

  constructor(options: DeadLetterQueueOptions) {
    const { decoder, observer, clients, ...data } = options
    const resolved = resolveOptions('DeadLetterQueue', DeadLetterQueueOptionsSchema, deadLetterQueueDefaults, data)
    this.topic = requireDlqTopic(resolved)
    this.#sourceTopic = resolved.sourceTopic
    this.#maxReplays = resolved.maxReplays
    this.#decoder = decoder
    this.#observer = observer
    this.#clients = holdKafkaClients(clients, resolved.connection)
    this.#reader = new KafkaRangeReader(resolved.connection)
    this.#status = new DeadLetterStatusStore(resolved.statusTopic ?? statusTopicOf(this.topic), {
      admin: this.#clients.admin,
      producer: this.#clients.producer,
      reader: this.#reader,
    })
  }

  /** One page of records in partition, then offset order; the status filter defaults to `pending`. */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterPage> {
    checkFilter(filter)
    const limit = pageSize(filter.limit, DEFAULT_PAGE)
    const next = decodeCursor(filter.cursor)
    const records: DeadLetterRecord[] = []
    const ranges = await this.#ranges(next)
    for await (const { record } of this.#scan(filter, ranges, next)) {
      records.push(record)
      if (records.length >= limit) break
    }
    const more = ranges.some((r) => (next.get(r.partition) ?? r.from) < r.until)
    return more ? { records, nextCursor: encodeCursor(next) } : { records }
  }

  async inspect(position: DeadLetterPosition): Promise<DeadLetterRecord> {
    return (await this.#find(position)).record
  }

  async replay(position: DeadLetterPosition, options: ReplayOptions = {}): Promise<ReplayOutcome> {
    const { raw } = await this.#find(position)
    const outcome = await this.#replayFound(raw, await this.#status.get(position), options)
    this.#observer?.onReplay(1)
    return outcome
  }

  /** Replays every record the filter matches (at most `filter.limit`); refusals are reported, not thrown. */
  async replayMany(filter: DeadLetterFilter = {}, options: ReplayOptions = {}): Promise<ReplayManyResult> {
    checkFilter(filter)
    const result: ReplayManyResult = { replayed: [], skipped: [] }
    const limit = filter.limit ?? Number.POSITIVE_INFINITY
    const ranges = await this.#ranges(decodeCursor(filter.cursor))
    try {
      for await (const { raw, record } of this.#scan(filter, ranges, new Map())) {
        if (result.replayed.length >= limit) break
        try {
          result.replayed.push(await this.#replayFound(raw, await this.#status.get(record.position), options))
        } catch (error) {
          if (!(error instanceof GrimError) || !['GRIM_REPLAY_LIMIT', 'GRIM_REPLAY_REFUSED'].includes(error.code))
            throw error
          result.skipped.push({ position: record.position, code: error.code, reason: error.message })
        }
      }
    } catch (error) {
      const done = `${result.replayed.length} replayed, ${result.skipped.length} skipped before the failure`
      throw new GrimError(
        error instanceof GrimError ? error.code : 'GRIM_KAFKA_UNAVAILABLE',
        `replaying from ${this.topic} failed (${done})`,
        { cause: error, details: { replayed: result.replayed, skipped: result.skipped } },
      )
    } finally {
      if (result.replayed.length > 0) this.#observer?.onReplay(result.replayed.length)
    }
    return result
  }

  /** Marks the record discarded; it stays in the topic (append-only) but list() hides it by default. */
  async discard(position: DeadLetterPosition, reason: string, options: DiscardOptions = {}): Promise<void> {
    if (reason.trim() === '')
      throw new GrimError('GRIM_CONFIG_INVALID', 'discard reason must be a non-empty string: say why, for the record')
    const { raw } = await this.#find(position)
    const status = await this.#status.get(position)
    await this.#status.set(position, {
      status: 'discarded',
      reason,
      at: new Date().toISOString(),
      replayCount: replaysSoFar(readDeadLetterInfo(raw.headers), status),
      by: options.by,
    })
    this.#observer?.onDiscard()
  }

  async close(): Promise<void> {
    await Promise.all([this.#reader.close(), this.#clients.release()])
  }

  async #replayFound(
    raw: IncomingRecord,
    status: DeadLetterStatusEntry | undefined,
    options: ReplayOptions,
  ): Promise<ReplayOutcome> {
    const position = { partition: raw.partition, offset: raw.offset }
    const where = `${this.topic}/${raw.partition}/${raw.offset}`
    const info = readDeadLetterInfo(raw.headers)
    const refusal = replayRefusal(where, info, status, this.#maxReplays, options.force ?? false)
    if (refusal) throw refusal
    const originalTopic = requireOriginalTopic(where, info, this.#sourceTopic)
    const replayCount = replaysSoFar(info, status) + 1
    const at = new Date()
    const [to] = await this.#clients.producer.send([buildReplayRecord(raw, originalTopic, replayCount, at)])
    if (!to) throw new GrimError('GRIM_PUBLISH_FAILED', `the broker acknowledged ${originalTopic} without an offset`)
    // Written after the send: a crash in between leaves the record pending, and a second replay is then
    // absorbed by the consumer's event_id dedupe rather than lost.
    await this.#status.set(position, {
      status: 'replayed',
      reason: options.reason ?? `replayed to ${originalTopic}`,
      at: at.toISOString(),
      replayCount,
      by: options.by,
      replayedTo: `${to.topic}/${to.partition}/${to.offset}`,
    })
    return { from: position, to, replayCount }
  }

  /** Offsets to read now: from the cursor (or the log start) up to the high watermark captured here. */
  async #ranges(cursor: Map<number, bigint>): Promise<PartitionRange[]> {
    if (!(await this.#clients.admin.listTopics()).includes(this.topic)) return []
    return (await this.#clients.admin.partitionOffsets(this.topic)).map(({ partition, low, high }) => {
      const after = cursor.get(partition)
      return { partition, from: after !== undefined && after > low ? after : low, until: high }
    })
  }

  /** Matching records; `next` tracks the next offset to read per partition, for the cursor. */
  async *#scan(filter: DeadLetterFilter, ranges: PartitionRange[], next: Map<number, bigint>): AsyncGenerator<Found> {
    const statuses = await this.#status.load()
    for (const range of ranges) {
      for await (const raw of this.#reader.read(this.topic, [range])) {
        next.set(range.partition, raw.offset + 1n)
        const described = describe(raw, statuses.get(`${raw.partition}/${raw.offset}`))
        if (!matchesCheaply(described, filter)) continue
        const record = await decodeInto(described, raw.value, this.#decoder)
        if (matchesEventType(record, filter)) yield { raw, record }
      }
      next.set(range.partition, range.until)
    }
  }

  async #find(position: DeadLetterPosition): Promise<Found> {
    const offset = BigInt(position.offset)
    const partitions = (await this.#ranges(new Map())).filter((r) => r.partition === position.partition)
    const inRange = partitions.filter((r) => offset >= r.from && offset < r.until)
    for await (const raw of this.#reader.read(
      this.topic,
      inRange.map((r) => ({ ...r, from: offset, until: offset + 1n })),
    )) {
      const described = describe(raw, await this.#status.get(position))
      return { raw, record: await decodeInto(described, raw.value, this.#decoder) }
    }
    throw new GrimError('GRIM_DLQ_RECORD_NOT_FOUND', `${this.topic} has no record at ${position.partition}/${offset}`, {
      details: { topic: this.topic, partition: position.partition, offset: String(offset) },
    })
  }
}

function pageSize(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback
  if (!Number.isInteger(limit) || limit < 1)
    throw new GrimError('GRIM_CONFIG_INVALID', `DLQ filter limit must be a positive integer, got ${limit}`)
  return Math.min(limit, MAX_PAGE)
}
