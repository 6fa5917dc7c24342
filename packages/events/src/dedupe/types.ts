import type { Queryable } from '../db/types.ts'

export interface ProcessedEventKey {
  eventId: string
  consumerGroup: string
}

export type RunOnceResult<T> = { ran: true; result: T } | { ran: false }

/** Remembers which events a consumer group has handled, so at-least-once delivery runs each handler once. */
export interface ProcessedEventStore {
  /**
   * Runs `work` unless `key` is already marked processed, and marks it. A store with a database passes the
   * transaction that also holds the mark, so the handler's writes and the mark commit together or not at all.
   * When `work` throws, nothing is marked and the error propagates: a redelivery runs it again.
   */
  runOnce<T>(key: ProcessedEventKey, work: (tx: Queryable | undefined) => Promise<T>): Promise<RunOnceResult<T>>
  has(key: ProcessedEventKey): Promise<boolean>
  close?(): Promise<void>
}
