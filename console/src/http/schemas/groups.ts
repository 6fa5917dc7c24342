import { type Static, Type } from 'typebox'
import { DateTime, GroupId, OffsetString, PartitionNumber, strict, TopicName } from './common.ts'

// GET /api/groups, GET /api/groups/:group, POST /api/groups/:group/offsets (reset, with dryRun preview)

export const GroupParams = Type.Object({ group: GroupId }, strict)

export const GroupSummary = Type.Object({
  id: Type.String(),
  state: Type.String(),
  protocolType: Type.String(),
  members: Type.Integer(),
  topics: Type.Array(Type.String()),
  /** Sum of lag over the partitions the group has committed on. */
  lag: Type.String(),
})

export const GroupList = Type.Object({ groups: Type.Array(GroupSummary) })

export const GroupMember = Type.Object({
  memberId: Type.String(),
  clientId: Type.String(),
  host: Type.String(),
  assignments: Type.Array(Type.Object({ topic: Type.String(), partitions: Type.Array(Type.Integer()) })),
})

export const PartitionLag = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  /** Null when the group committed nothing on the partition. */
  committed: Type.Union([Type.String(), Type.Null()]),
  low: Type.String(),
  high: Type.String(),
  lag: Type.String(),
  /** Member the partition is assigned to now, if any. */
  memberId: Type.Union([Type.String(), Type.Null()]),
})

export const GroupDetail = Type.Object({
  id: Type.String(),
  state: Type.String(),
  protocol: Type.String(),
  protocolType: Type.String(),
  members: Type.Array(GroupMember),
  partitions: Type.Array(PartitionLag),
  lag: Type.String(),
})

/**
 * Reset a group's committed offsets on one topic. Kafka accepts it only while the group has no members (stop
 * the consumers first): otherwise 409 CONSOLE_GROUP_ACTIVE. `dryRun` (the default) only previews.
 */
export const ResetOffsetsBody = Type.Object(
  {
    topic: TopicName,
    to: Type.Union([
      Type.Literal('earliest'),
      Type.Literal('latest'),
      Type.Literal('timestamp'),
      Type.Literal('offset'),
    ]),
    /** With to=timestamp: the first offset at or after this time (latest when none). */
    timestamp: Type.Optional(DateTime),
    /** With to=offset: clamped into [low, high] of each partition. */
    offset: Type.Optional(OffsetString),
    /** Default: every partition of the topic. */
    partitions: Type.Optional(Type.Array(PartitionNumber, { minItems: 1, maxItems: 10_000, uniqueItems: true })),
    dryRun: Type.Boolean({ default: true }),
  },
  strict,
)

export const ResetOffsetsAnswer = Type.Object({
  group: Type.String(),
  topic: Type.String(),
  applied: Type.Boolean(),
  changes: Type.Array(
    Type.Object({
      partition: Type.Integer(),
      from: Type.Union([Type.String(), Type.Null()]),
      to: Type.String(),
    }),
  ),
})

export type GroupSummary = Static<typeof GroupSummary>
export type GroupList = Static<typeof GroupList>
export type GroupMember = Static<typeof GroupMember>
export type PartitionLag = Static<typeof PartitionLag>
export type GroupDetail = Static<typeof GroupDetail>
export type ResetOffsetsBody = Static<typeof ResetOffsetsBody>
export type ResetOffsetsAnswer = Static<typeof ResetOffsetsAnswer>
