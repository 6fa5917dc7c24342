import type { UserEvent, UserEventType } from '../catalog/index.ts'
import type { Queryable } from '../db/types.ts'
import type { DeadLetterFailure } from '../dlq/headers.ts'
import type { DeadLetterSourceRecord } from '../dlq/writer.ts'
import type { RecordPosition } from '../kafka/index.ts'
import type { Backoff } from '../retry/backoff.ts'
import type { OutageInfo } from './outage.ts'

export interface EventProcessingResult {
  success: boolean
  message: string
  /** A failure is retried unless this says false. */
  retryable?: boolean
}

/** Where the handled record sits; for a record back from the retry topic, its retry-topic position. */
export interface HandledRecord {
  topic: string
  partition: number
  offset: bigint
  headers: Map<string, Buffer>
}

export interface HandlerContext {
  /** The transaction that also records the event as processed (stores with a database only). */
  tx?: Queryable
  /** 1 for the first attempt. */
  attempt: number
  record: HandledRecord
}

export type EventHandler<T extends UserEventType = UserEventType> = (
  event: UserEvent<T>,
  context: HandlerContext,
) => Promise<EventProcessingResult>

export interface HandlerOptions {
  /** Overrides single fields of the consumer's retry policy for this event type. */
  retry?: Partial<Backoff>
}

/** Bytes to event; the serde's EventSerde fits. Throws GrimErrors that say whether a retry can help. */
export interface EventDecoder {
  decode(bytes: Buffer): Promise<UserEvent>
  /** Optional fast path: decodes without waiting, or undefined when `decode` must be awaited (schema not cached). */
  decodeCached?(bytes: Buffer): UserEvent | undefined
}

/** Writes a record to `<topic>.dlq`; the dlq's DeadLetterWriter fits. */
export interface DeadLetterSink {
  deadLetter(source: DeadLetterSourceRecord, consumerGroup: string, failure: DeadLetterFailure): Promise<RecordPosition>
  /** Several at once (optional; else `deadLetter` each): resolves once all are written, rejects if any is not. */
  deadLetterMany?(
    entries: readonly { source: DeadLetterSourceRecord; failure: DeadLetterFailure }[],
    consumerGroup: string,
  ): Promise<void>
  /** Readies the DLQ of each source topic before the first record is read (creates missing topics). */
  prepare?(sourceTopics: string[]): Promise<void>
}

export type { EventOutcome } from '../metrics/consumer.ts'

export interface ConsumerHealth {
  /** The loop runs and is not stalled. */
  live: boolean
  /** Joined and assigned (or idle with no partitions), not stopping, and no dependency outage holds records. */
  ready: boolean
  details: {
    state: 'created' | 'starting' | 'running' | 'reconnecting' | 'stopping' | 'stopped' | 'failed'
    assignedPartitions: number
    bufferedRecords: number
    inFlightHandlers: number
    parkedKeys: number
    lastProgressAt: string | undefined
    lastError: string | undefined
    /** Dependencies records are waiting for (empty when none), e.g. the registry since 12:00:03. */
    outages: OutageInfo[]
    /** Why not ready, in words, e.g. "registry unavailable since 2026-12-01T03:20:00.000Z"; absent when ready. */
    notReadyReason?: string
  }
}
