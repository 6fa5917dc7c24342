import { type Static, Type } from 'typebox'

// GET /api/overview, GET /api/topics, GET /api/topics/:topic

export const Broker = Type.Object({
  id: Type.Integer(),
  host: Type.String(),
  port: Type.Integer(),
  rack: Type.Union([Type.String(), Type.Null()]),
  isController: Type.Boolean(),
  /** Answered a request in this overview (the metadata lists it and its TCP port accepts). */
  healthy: Type.Boolean(),
})

export const Overview = Type.Object({
  clusterId: Type.String(),
  controllerId: Type.Integer(),
  brokers: Type.Array(Broker),
  topics: Type.Integer(),
  partitions: Type.Integer(),
  /** Partitions whose in-sync replicas are fewer than their replicas. */
  underReplicatedPartitions: Type.Integer(),
  groups: Type.Integer(),
  registry: Type.Object({ url: Type.String(), healthy: Type.Boolean(), subjects: Type.Optional(Type.Integer()) }),
})

export const TopicSummary = Type.Object({
  name: Type.String(),
  internal: Type.Boolean(),
  partitions: Type.Integer(),
  replicationFactor: Type.Integer(),
  /** Sum over partitions of high - low (records stored now, before compaction gaps). */
  messages: Type.String(),
  /** Bytes on disk over all replicas' log dirs, when the broker tells. */
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
})

export const TopicList = Type.Object({ topics: Type.Array(TopicSummary) })

export const PartitionDetail = Type.Object({
  partition: Type.Integer(),
  leader: Type.Integer(),
  replicas: Type.Array(Type.Integer()),
  isr: Type.Array(Type.Integer()),
  low: Type.String(),
  high: Type.String(),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
})

export const TopicDetail = Type.Object({
  name: Type.String(),
  internal: Type.Boolean(),
  partitions: Type.Array(PartitionDetail),
  /** Every topic config the broker reports, name to value (sensitive ones as null). */
  configs: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
  /** Configs set on the topic itself rather than inherited from broker defaults. */
  overrides: Type.Array(Type.String()),
})

export type Broker = Static<typeof Broker>
export type Overview = Static<typeof Overview>
export type TopicSummary = Static<typeof TopicSummary>
export type TopicList = Static<typeof TopicList>
export type PartitionDetail = Static<typeof PartitionDetail>
export type TopicDetail = Static<typeof TopicDetail>
