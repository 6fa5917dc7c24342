/** A record as our code sees it, whatever client library sits underneath. */
export interface OutgoingRecord {
  topic: string
  key?: Buffer | string
  value: Buffer | null
  /**
   * A Map of Buffers is what the client sends as is (names may be strings or bytes): records built from consumed
   * ones (retry, DLQ, replay) keep that form. A Record (an event's headers, string values) is converted once.
   */
  headers?: Record<string, Buffer | string> | Map<string | Buffer, Buffer>
  /** Explicit partition. The client takes it modulo the partition count (client-internals.ts A6), so a key's hash may be passed. */
  partition?: number
  timestamp?: bigint
}

export interface RecordPosition {
  topic: string
  partition: number
  offset: bigint
}

export interface IncomingRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  key: Buffer | undefined
  value: Buffer | undefined
  headers: Map<string, Buffer>
  /** Needed to commit safely across leader changes. */
  leaderEpoch: number
  /** Group generation the record was fetched under (group consumers only): older ones are stale after a rebalance. */
  generationId?: number
}

export interface CommitPosition extends TopicPartition {
  /** The next offset to read, i.e. last handled offset + 1. */
  offset: bigint
  leaderEpoch: number
}

export interface TopicPartition {
  topic: string
  partition: number
}

export interface PartitionOffsets {
  topic: string
  partition: number
  /** Log start (earliest available) offset. */
  low: bigint
  /** Log end offset: the offset the next record will get. */
  high: bigint
}

/** Offsets `from <= offset < until` of one partition. */
export interface PartitionRange {
  partition: number
  from: bigint
  until: bigint
}
