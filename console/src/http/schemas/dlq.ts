import { type Static, Type } from 'typebox'
import { Cursor, DateTime, OffsetString, PartitionNumber, Position, Reason, strict, TopicName } from './common.ts'

// GET /api/dlq (the DLQ topics), GET /api/dlq/:topic/records, GET /api/dlq/:topic/records/:partition/:offset,
// POST …/replay, POST …/discard, POST /api/dlq/:topic/replay (many: preview with dryRun, then apply).
// Our own, Spring's `kafka_dlt-*` and Connect's `__connect.errors.*` records are shown alike (`info.format`).

export const DlqParams = Type.Object({ topic: TopicName }, strict)
export const DlqRecordParams = Type.Object(
  { topic: TopicName, partition: PartitionNumber, offset: OffsetString },
  strict,
)

const filterFields = {
  status: Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('replayed'), Type.Literal('discarded'), Type.Literal('all')]),
  ),
  event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Our GRIM_* code, or the exception class of Spring / Connect. */
  error_class: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
}

export const DlqListQuery = Type.Object(
  { ...filterFields, limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), cursor: Type.Optional(Cursor) },
  strict,
)

export const DlqReplayBody = Type.Object(
  { force: Type.Optional(Type.Boolean()), reason: Type.Optional(Reason) },
  strict,
)

export const DlqDiscardBody = Type.Object({ reason: Reason }, strict)

/**
 * Replay many: either the records a filter matches (at most `limit`, the cap) or the listed positions (what a
 * preview showed). `dryRun` (the default) answers the preview: the records that would be replayed, nothing sent.
 */
export const DlqReplayManyBody = Type.Object(
  {
    ...filterFields,
    positions: Type.Optional(Type.Array(Position, { minItems: 1, maxItems: 1000 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    dryRun: Type.Boolean({ default: true }),
    force: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Reason),
  },
  strict,
)

export const DlqInfo = Type.Object({
  format: Type.Union([
    Type.Literal('grimos'),
    Type.Literal('spring'),
    Type.Literal('connect'),
    Type.Literal('unknown'),
  ]),
  originalTopic: Type.Optional(Type.String()),
  originalPartition: Type.Optional(Type.Integer()),
  originalOffset: Type.Optional(Type.String()),
  originalTimestamp: Type.Optional(Type.String()),
  consumerGroup: Type.Optional(Type.String()),
  errorClass: Type.Optional(Type.String()),
  errorMessage: Type.Optional(Type.String()),
  /** inspect only. */
  errorStack: Type.Optional(Type.String()),
  attempts: Type.Optional(Type.Integer()),
  firstFailureAt: Type.Optional(Type.String()),
  lastFailureAt: Type.Optional(Type.String()),
  replayCount: Type.Integer(),
  replayedFrom: Type.Optional(Type.String()),
  traceparent: Type.Optional(Type.String()),
  extra: Type.Record(Type.String(), Type.String()),
})

export const DlqRecord = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  /** When it was dead-lettered. */
  timestamp: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  info: DlqInfo,
  eventType: Type.Optional(Type.String()),
  eventId: Type.Optional(Type.String()),
  decoded: Type.Optional(Type.Unknown()),
  decodeError: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('replayed'), Type.Literal('discarded')]),
  statusReason: Type.Optional(Type.String()),
  statusAt: Type.Optional(Type.String()),
  statusBy: Type.Optional(Type.String()),
  replayCount: Type.Integer(),
})

export const DlqTopics = Type.Object({
  topics: Type.Array(
    Type.Object({
      topic: Type.String(),
      /** The topic replays go to when the records do not say (`<source>.dlq`). */
      sourceTopic: Type.Union([Type.String(), Type.Null()]),
      messages: Type.String(),
    }),
  ),
})

export const DlqPage = Type.Object({
  topic: Type.String(),
  records: Type.Array(DlqRecord),
  nextCursor: Type.Optional(Type.String()),
})

export const ReplayOutcome = Type.Object({
  partition: Type.Integer(),
  offset: Type.String(),
  ok: Type.Boolean(),
  /** Where the replayed copy landed. */
  to: Type.Optional(Type.Object({ topic: Type.String(), partition: Type.Integer(), offset: Type.String() })),
  replayCount: Type.Optional(Type.Integer()),
  /** GRIM_REPLAY_LIMIT, GRIM_REPLAY_REFUSED, GRIM_DLQ_RECORD_NOT_FOUND… */
  code: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
})

export const ReplayManyAnswer = Type.Object({
  topic: Type.String(),
  dryRun: Type.Boolean(),
  /** dryRun: what would be replayed (the preview). */
  preview: Type.Optional(Type.Array(DlqRecord)),
  /** Applied: one result per record, in order. */
  results: Type.Optional(Type.Array(ReplayOutcome)),
  replayed: Type.Integer(),
  skipped: Type.Integer(),
})

export type DlqListQuery = Static<typeof DlqListQuery>
export type DlqReplayManyBody = Static<typeof DlqReplayManyBody>
export type DlqInfo = Static<typeof DlqInfo>
export type DlqRecord = Static<typeof DlqRecord>
export type DlqTopics = Static<typeof DlqTopics>
export type DlqPage = Static<typeof DlqPage>
export type ReplayOutcome = Static<typeof ReplayOutcome>
export type ReplayManyAnswer = Static<typeof ReplayManyAnswer>
