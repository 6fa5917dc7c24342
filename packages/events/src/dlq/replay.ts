import { GrimError } from '../errors.ts'
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts'
import { type DeadLetterInfo, isDeadLetterHeader, REPLAY_HEADERS } from './headers.ts'
import type { DeadLetterStatusEntry } from './types.ts'

const replayHeaderNames = new Set<string>(Object.values(REPLAY_HEADERS))

/** Replays so far, wherever they were counted: the record's headers or this DLQ's status topic. */
export function replaysSoFar(info: DeadLetterInfo, status: DeadLetterStatusEntry | undefined): number {
  return Math.max(info.replayCount, status?.replayCount ?? 0)
}

/**
 * The record as its original topic should see it again: same key, value and headers, without the DLQ and
 * retry headers, with replay provenance. The count travels with the record, so if it fails again and is
 * dead-lettered anew, the cap still holds.
 */
export function buildReplayRecord(
  record: IncomingRecord,
  originalTopic: string,
  replayCount: number,
  at: Date,
): OutgoingRecord {
  // A Map of Buffers, the form the client sends as is.
  const headers = new Map<string, Buffer>()
  for (const [name, value] of record.headers) {
    if (!isDeadLetterHeader(name) && !replayHeaderNames.has(name)) headers.set(name, value)
  }
  headers.set(REPLAY_HEADERS.replayedFrom, Buffer.from(`${record.topic}/${record.partition}/${record.offset}`))
  headers.set(REPLAY_HEADERS.replayCount, Buffer.from(String(replayCount)))
  headers.set(REPLAY_HEADERS.replayedAt, Buffer.from(at.toISOString()))
  return { topic: originalTopic, key: record.key, value: record.value ?? null, headers }
}

/** Why a record may not be replayed now, or undefined when it may. */
export function replayRefusal(
  where: string,
  info: DeadLetterInfo,
  status: DeadLetterStatusEntry | undefined,
  maxReplays: number,
  force: boolean,
): GrimError | undefined {
  const next = replaysSoFar(info, status) + 1
  if (next > maxReplays)
    return new GrimError(
      'GRIM_REPLAY_LIMIT',
      `${where} was replayed ${next - 1} times; maxReplays is ${maxReplays}, so it is not replayed again`,
      { details: { replayCount: next - 1, maxReplays } },
    )
  if (status && !force)
    return new GrimError(
      'GRIM_REPLAY_REFUSED',
      `${where} was already ${status.status} at ${status.at} (${status.reason}); pass force to replay it again`,
      { details: { status: status.status } },
    )
  return undefined
}

export function requireOriginalTopic(where: string, info: DeadLetterInfo, fallback: string | undefined): string {
  // Headers are input: a forged original-topic must not make a replay write anywhere the operator may write.
  if (fallback && info.originalTopic && info.originalTopic !== fallback)
    throw new GrimError(
      'GRIM_REPLAY_REFUSED',
      `${where} names ${info.originalTopic} as its original topic, but this DLQ belongs to ${fallback}; replay goes to the source topic only`,
      { details: { originalTopic: info.originalTopic, sourceTopic: fallback } },
    )
  const topic = info.originalTopic ?? fallback
  if (!topic)
    throw new GrimError(
      'GRIM_REPLAY_REFUSED',
      `${where} names no original topic in its headers (format ${info.format}); open the DLQ with sourceTopic to replay it`,
    )
  return topic
}
