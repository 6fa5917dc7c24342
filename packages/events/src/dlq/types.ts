import type { RecordPosition } from '../kafka/index.ts'
import type { DeadLetterInfo } from './headers.ts'

/** Where a record sits in the DLQ topic. */
export interface DeadLetterPosition {
  partition: number
  offset: bigint
}

export type DeadLetterStatus = 'pending' | 'replayed' | 'discarded'

/** Value of a `<dlq topic>.status` record, keyed by `<partition>/<offset>`. */
export interface DeadLetterStatusEntry {
  status: Exclude<DeadLetterStatus, 'pending'>
  reason: string
  /** ISO-8601 time of the decision. */
  at: string
  /** Replays of the record so far (as carried by its headers, plus the ones done from this DLQ record). */
  replayCount: number
  /** Who decided: an operator or a tool name. */
  by?: string
  /** `<topic>/<partition>/<offset>` the replayed copy landed at. */
  replayedTo?: string
}

/** A dead-lettered record as operators see it. */
export interface DeadLetterRecord {
  topic: string
  position: DeadLetterPosition
  /** UTF-8 key, or `0x<hex>` when the key is not printable. */
  key: string | undefined
  /** When the record was dead-lettered (its DLQ append time). */
  timestamp: Date
  /** Every header, as UTF-8 text where printable, else `0x<hex>` (Spring's binary ints and longs). */
  headers: Record<string, string>
  info: DeadLetterInfo
  eventType?: string
  eventId?: string
  /** The decoded event, when a decoder is configured and the bytes decode. */
  decoded?: unknown
  decodeError?: string
  status: DeadLetterStatus
  statusReason?: string
  statusAt?: Date
  statusBy?: string
  /** Replays so far: the larger of the count in the headers and the count recorded in the status topic. */
  replayCount: number
}

export interface DeadLetterFilter {
  eventType?: string
  errorClass?: string
  /** DLQ append time, inclusive. */
  from?: Date
  /** DLQ append time, inclusive. */
  to?: Date
  /** UTF-8 record key. */
  key?: string
  /** Default `pending`. */
  status?: DeadLetterStatus | 'all'
  /** Page size for list() (default 100, at most 1000); total cap for replayMany(). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
}

export interface DeadLetterPage {
  records: DeadLetterRecord[]
  /** Present when more records may follow. */
  nextCursor?: string
}

export interface ReplayOptions {
  /** Replay a record that was already replayed or discarded. The replay cap still applies. */
  force?: boolean
  by?: string
  reason?: string
}

export interface ReplayOutcome {
  from: DeadLetterPosition
  to: RecordPosition
  replayCount: number
}

export interface ReplaySkip {
  position: DeadLetterPosition
  code: string
  reason: string
}

export interface ReplayManyResult {
  replayed: ReplayOutcome[]
  skipped: ReplaySkip[]
}

export interface DiscardOptions {
  by?: string
}

/**
 * Decodes a record value into an event; the catalog's EventSerde fits. When `decode` (validating) fails and
 * `decodeUnknown` (writer schema only) exists, the record is still shown decoded, with decode()'s error.
 */
export interface DeadLetterDecoder {
  decode(bytes: Buffer): Promise<unknown>
  decodeUnknown?(bytes: Buffer): Promise<{ value: unknown }>
}

/** Metrics hook: the service wires its counters here. */
export interface DeadLetterObserver {
  onReplay(count: number): void
  onDiscard(): void
}
