import { errorClassOf, RETRY_HEADERS } from '../dlq/headers.ts'
import { messageOf } from '../errors.ts'
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts'
import { type Backoff, backoffDelay, hasAttemptsLeft } from '../retry/backoff.ts'

/** Marks records this consumer produced to a retry topic, so it recognises them when they come back. */
export const RETRY_TOKEN_HEADER = 'grimos.retry.token'
/** The group that produced a retry record: groups reading the same topic share `<topic>.retry`. */
export const RETRY_GROUP_HEADER = 'grimos.retry.group'

const MAX_ERROR_HEADER = 1024

/** What a retry-topic record carries about its history. */
export interface RetryState {
  dueAt: number
  /** Attempts made so far (0: forwarded behind a parked predecessor, never tried). */
  attempt: number
  firstFailureAt: Date | undefined
  originalTopic: string
  originalPartition: number
  originalOffset: bigint
  token: string | undefined
  group: string | undefined
}

const text = (headers: Map<string, Buffer>, name: string) => headers.get(name)?.toString('utf8')

/** Reads the retry headers; a record without them is treated as due now, first attempt, from where it is. */
export function readRetryState(record: IncomingRecord): RetryState {
  const h = record.headers
  const number = (name: string) => {
    const value = Number(text(h, name))
    return Number.isFinite(value) ? value : undefined
  }
  const first = text(h, RETRY_HEADERS.firstFailureAt)
  const offset = text(h, RETRY_HEADERS.originalOffset)
  return {
    dueAt: number(RETRY_HEADERS.dueAt) ?? 0,
    attempt: number(RETRY_HEADERS.attempt) ?? 0,
    firstFailureAt: first ? new Date(first) : undefined,
    originalTopic: text(h, RETRY_HEADERS.originalTopic) ?? record.topic,
    originalPartition: number(RETRY_HEADERS.originalPartition) ?? record.partition,
    originalOffset: offset && /^\d+$/.test(offset) ? BigInt(offset) : record.offset,
    token: text(h, RETRY_TOKEN_HEADER),
    group: text(h, RETRY_GROUP_HEADER),
  }
}

/** A main-topic record's retry history before its first attempt (`attempt` 0 when forwarded untried). */
export function firstAttemptState(
  record: IncomingRecord,
  attempt: number,
): Omit<RetryState, 'dueAt' | 'token' | 'group'> {
  return {
    attempt,
    firstFailureAt: undefined,
    originalTopic: record.topic,
    originalPartition: record.partition,
    originalOffset: record.offset,
  }
}

/** The record's own headers without our retry bookkeeping: what the handler and the DLQ should see. */
export function withoutRetryHeaders(headers: Map<string, Buffer>): Map<string, Buffer> {
  const kept = new Map<string, Buffer>()
  for (const [name, value] of headers) if (!name.startsWith('grimos.retry.')) kept.set(name, value)
  return kept
}

export interface RetryRecordInput {
  record: IncomingRecord
  retryTopic: string
  /** The state to write (original position, attempts, due time). */
  state: Omit<RetryState, 'token' | 'group'>
  token: string
  groupId: string
  lastError?: unknown
}

/** Same key, value and original headers, on the same partition number, plus the retry headers. */
export function buildRetryRecord(input: RetryRecordInput): OutgoingRecord {
  // A fresh Map of Buffers: the form the client sends as is.
  const headers = withoutRetryHeaders(input.record.headers)
  const set = (name: string, value: string) => headers.set(name, Buffer.from(value))
  const { state } = input
  set(RETRY_HEADERS.dueAt, String(state.dueAt))
  set(RETRY_HEADERS.attempt, String(state.attempt))
  if (state.firstFailureAt) set(RETRY_HEADERS.firstFailureAt, state.firstFailureAt.toISOString())
  set(RETRY_HEADERS.originalTopic, state.originalTopic)
  set(RETRY_HEADERS.originalPartition, String(state.originalPartition))
  set(RETRY_HEADERS.originalOffset, String(state.originalOffset))
  const lastError = input.lastError ?? input.record.headers.get(RETRY_HEADERS.lastError)
  if (Buffer.isBuffer(lastError)) headers.set(RETRY_HEADERS.lastError, lastError)
  else if (lastError !== undefined) set(RETRY_HEADERS.lastError, describeError(lastError))
  set(RETRY_TOKEN_HEADER, input.token)
  set(RETRY_GROUP_HEADER, input.groupId)
  return {
    topic: input.retryTopic,
    partition: input.record.partition,
    key: input.record.key,
    value: input.record.value ?? null,
    headers,
    // Keeps the original timestamp, so the DLQ can name it after a detour through the retry topic.
    timestamp: input.record.timestamp,
  }
}

function describeError(error: unknown): string {
  const message = messageOf(error)
  return `${errorClassOf(error)}: ${message}`.slice(0, MAX_ERROR_HEADER)
}

export type RetryDecision =
  | { kind: 'in-process'; delayMs: number }
  | { kind: 'retry-topic'; delayMs: number }
  | { kind: 'dead-letter' }

/** After failed attempt number `attempt` (1-based): wait here, go through the retry topic, or give up. */
export function decideRetry(
  policy: Backoff,
  attempt: number,
  retryable: boolean,
  inProcessLimitMs: number,
  random: () => number = Math.random,
): RetryDecision {
  if (!retryable || !hasAttemptsLeft(policy, attempt)) return { kind: 'dead-letter' }
  const delayMs = backoffDelay(policy, attempt, random)
  return delayMs <= inProcessLimitMs ? { kind: 'in-process', delayMs } : { kind: 'retry-topic', delayMs }
}
