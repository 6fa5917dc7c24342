import { type Static, Type } from 'typebox'
import { DateTime, strict, TopicName } from './common.ts'

// GET /api/trace?event_id=… (or user_id=…): one event, or every event of a user, across the topic, its .retry,
// its .dlq, the DLQ decisions and the replays, as a timeline. The scan is bounded; `truncated` says so.

export const TraceQuery = Type.Object(
  {
    event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** Default: the user events topic. */
    topic: Type.Optional(TopicName),
    /** Default: from the event id's own time (UUIDv7) or 7 days back for a user. */
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  strict,
)

export const TraceStepKind = Type.Union([
  Type.Literal('published'),
  Type.Literal('retry'),
  Type.Literal('dead-lettered'),
  Type.Literal('replayed'),
  Type.Literal('discarded'),
  Type.Literal('handled'),
])

export const TraceStep = Type.Object({
  at: Type.String(),
  kind: TraceStepKind,
  eventId: Type.String(),
  eventType: Type.Optional(Type.String()),
  topic: Type.String(),
  partition: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.String()),
  /** Who: the event's metadata.source for a publish; the operator for a replay or discard. */
  by: Type.Optional(Type.String()),
  attempt: Type.Optional(Type.Integer()),
  errorClass: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  /** Replay count, replay target, discard reason, consumer group... */
  detail: Type.Optional(Type.Record(Type.String(), Type.String())),
})

export const TraceAnswer = Type.Object({
  topic: Type.String(),
  steps: Type.Array(TraceStep),
  scanned: Type.Integer(),
  truncated: Type.Boolean(),
})

export type TraceQuery = Static<typeof TraceQuery>
export type TraceStep = Static<typeof TraceStep>
export type TraceAnswer = Static<typeof TraceAnswer>
