import {
  type DeadLetterFilter,
  DeadLetterQueue,
  type DeadLetterRecord,
  GrimError,
  type ReplayOutcome as LibraryOutcome,
} from '@grimos/events'
import type { DlqPage, DlqRecord, DlqTopics, ReplayManyAnswer, ReplayOutcome } from '../http/schemas/index.ts'
import { listTopics } from './cluster.ts'
import type { Ops } from './context.ts'

// The DLQ views and actions, on the library's DeadLetterQueue (one per DLQ topic, kept open). Our `.dlq`
// topics, Spring's `-dlt`/`.DLT` and Connect error topics are all read the same way (readDeadLetterInfo).

const MAX_OPEN_QUEUES = 50
/** Replay refusals that belong in a per-record result rather than failing the whole call. */
const perRecordCodes = new Set(['GRIM_REPLAY_LIMIT', 'GRIM_REPLAY_REFUSED', 'GRIM_DLQ_RECORD_NOT_FOUND'])

export function isDlqTopic(topic: string): boolean {
  return /(\.dlq|-dlt|\.DLT|\.deadletter)$/i.test(topic) || /dead.?letter|connect.*error|\.dlq\./i.test(topic)
}

/** `<source>.dlq` replays to `<source>`; other DLQs name their original topic in each record's headers. */
export function sourceTopicOf(topic: string): string | undefined {
  return topic.endsWith('.dlq') ? topic.slice(0, -'.dlq'.length) : undefined
}

export function toDlqRecord(record: DeadLetterRecord): DlqRecord {
  const { info } = record
  return {
    topic: record.topic,
    partition: record.position.partition,
    offset: String(record.position.offset),
    key: record.key ?? null,
    timestamp: record.timestamp.toISOString(),
    headers: record.headers,
    info: {
      ...info,
      originalOffset: info.originalOffset === undefined ? undefined : String(info.originalOffset),
      originalTimestamp: info.originalTimestamp === undefined ? undefined : String(info.originalTimestamp),
    },
    eventType: record.eventType,
    eventId: record.eventId,
    decoded: record.decoded,
    decodeError: record.decodeError,
    status: record.status,
    statusReason: record.statusReason,
    statusAt: record.statusAt?.toISOString(),
    statusBy: record.statusBy,
    replayCount: record.replayCount,
  }
}

/** A listing leaves out stack traces; inspect shows them. */
function summary(record: DlqRecord): DlqRecord {
  const { errorStack: _stack, ...info } = record.info
  const { 'grimos.dlq.error-stack': _h, 'kafka_dlt-exception-stacktrace': _s, ...headers } = record.headers
  const { '__connect.errors.exception.stacktrace': _c, ...rest } = headers
  return { ...record, info, headers: rest }
}

function outcomeOf(o: LibraryOutcome): ReplayOutcome {
  return {
    partition: o.from.partition,
    offset: String(o.from.offset),
    ok: true,
    to: { topic: o.to.topic, partition: o.to.partition, offset: String(o.to.offset) },
    replayCount: o.replayCount,
  }
}

export interface ReplayManyRequest {
  filter: DeadLetterFilter
  positions?: { partition: number; offset: bigint }[]
  limit: number
  dryRun: boolean
  force?: boolean
  reason?: string
  by: string
}

export class DlqOps {
  readonly #ops: Ops
  readonly #queues = new Map<string, DeadLetterQueue>()

  constructor(ops: Ops) {
    this.#ops = ops
  }

  queue(topic: string): DeadLetterQueue {
    let queue = this.#queues.get(topic)
    if (!queue) {
      if (this.#queues.size >= MAX_OPEN_QUEUES) {
        const [oldest, open] = this.#queues.entries().next().value as [string, DeadLetterQueue]
        this.#queues.delete(oldest)
        void open.close()
      }
      queue = new DeadLetterQueue({
        dlqTopic: topic,
        sourceTopic: sourceTopicOf(topic),
        connection: this.#ops.connection,
        decoder: this.#ops.serde,
        clients: { producer: this.#ops.producer, admin: this.#ops.admin },
      })
      this.#queues.set(topic, queue)
    }
    return queue
  }

  async topics(): Promise<DlqTopics> {
    const { topics } = await listTopics(this.#ops)
    return {
      topics: topics
        .filter((t) => isDlqTopic(t.name) && !t.name.endsWith('.status'))
        .map((t) => ({ topic: t.name, sourceTopic: sourceTopicOf(t.name) ?? null, messages: t.messages })),
    }
  }

  async list(topic: string, filter: DeadLetterFilter): Promise<DlqPage> {
    const page = await this.queue(topic).list(filter)
    return {
      topic,
      records: page.records.map((r) => summary(toDlqRecord(r))),
      ...(page.nextCursor && { nextCursor: page.nextCursor }),
    }
  }

  async inspect(topic: string, position: { partition: number; offset: bigint }): Promise<DlqRecord> {
    return toDlqRecord(await this.queue(topic).inspect(position))
  }

  async replay(
    topic: string,
    position: { partition: number; offset: bigint },
    options: { force?: boolean; reason?: string; by: string },
  ): Promise<ReplayOutcome> {
    return outcomeOf(await this.queue(topic).replay(position, options))
  }

  async discard(topic: string, position: { partition: number; offset: bigint }, reason: string, by: string) {
    await this.queue(topic).discard(position, reason, { by })
    return this.inspect(topic, position)
  }

  /** A preview (dryRun) or the replay of what a filter matches, or of the listed positions; one result each. */
  async replayMany(topic: string, request: ReplayManyRequest): Promise<ReplayManyAnswer> {
    const queue = this.queue(topic)
    if (request.dryRun) {
      const preview: DlqRecord[] = []
      if (request.positions) {
        for (const position of request.positions) preview.push(summary(await this.inspect(topic, position)))
      } else {
        let cursor: string | undefined
        do {
          const page = await queue.list({ ...request.filter, limit: request.limit - preview.length, cursor })
          preview.push(...page.records.map((r) => summary(toDlqRecord(r))))
          cursor = page.nextCursor
        } while (cursor && preview.length < request.limit)
      }
      return { topic, dryRun: true, preview, replayed: 0, skipped: 0 }
    }
    const options = { force: request.force, reason: request.reason, by: request.by }
    const results: ReplayOutcome[] = []
    if (request.positions) {
      for (const position of request.positions.slice(0, request.limit)) {
        try {
          results.push(outcomeOf(await queue.replay(position, options)))
        } catch (error) {
          if (!(error instanceof GrimError) || !perRecordCodes.has(error.code)) throw error
          results.push({
            ...position,
            offset: String(position.offset),
            ok: false,
            code: error.code,
            reason: error.message,
          })
        }
      }
    } else {
      const done = await queue.replayMany({ ...request.filter, limit: request.limit }, options)
      results.push(...done.replayed.map(outcomeOf))
      for (const skip of done.skipped)
        results.push({
          partition: skip.position.partition,
          offset: String(skip.position.offset),
          ok: false,
          code: skip.code,
          reason: skip.reason,
        })
    }
    const replayed = results.filter((r) => r.ok).length
    return { topic, dryRun: false, results, replayed, skipped: results.length - replayed }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()))
    this.#queues.clear()
  }
}
