import { GrimError, messageOf } from '../errors.ts'
import type { IncomingRecord } from '../kafka/index.ts'
import { readDeadLetterInfo } from './headers.ts'
import type { DeadLetterDecoder, DeadLetterFilter, DeadLetterRecord, DeadLetterStatusEntry } from './types.ts'

/** Header names our producer sets on every event; foreign producers may set them too. */
const EVENT_TYPE_HEADER = 'event_type'
const EVENT_ID_HEADER = 'event_id'

/** UTF-8 text when the bytes are printable text, else `0x<hex>` so binary values stay readable. */
export function printable(bytes: Buffer): string {
  const asText = bytes.toString('utf8')
  const roundTrips = Buffer.from(asText, 'utf8').equals(bytes)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we look for
  return roundTrips && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(asText) ? asText : `0x${bytes.toString('hex')}`
}

/** Everything list() and inspect() show, except the decoded event: cheap enough to filter on first. */
export function describe(record: IncomingRecord, status: DeadLetterStatusEntry | undefined): DeadLetterRecord {
  const info = readDeadLetterInfo(record.headers)
  const headers: Record<string, string> = {}
  for (const [name, value] of record.headers) headers[name] = printable(value)
  return {
    topic: record.topic,
    position: { partition: record.partition, offset: record.offset },
    key: record.key === undefined ? undefined : printable(record.key),
    timestamp: new Date(Number(record.timestamp)),
    headers,
    info,
    eventType: record.headers.get(EVENT_TYPE_HEADER)?.toString('utf8'),
    eventId: record.headers.get(EVENT_ID_HEADER)?.toString('utf8'),
    status: status?.status ?? 'pending',
    statusReason: status?.reason,
    statusAt: status ? new Date(status.at) : undefined,
    statusBy: status?.by,
    replayCount: Math.max(info.replayCount, status?.replayCount ?? 0),
  }
}

/** Adds the decoded event; the event's own type and id win over the headers. */
export async function decodeInto(
  described: DeadLetterRecord,
  value: Buffer | undefined,
  decoder: DeadLetterDecoder | undefined,
): Promise<DeadLetterRecord> {
  if (!decoder) return described
  if (!value) return { ...described, decodeError: 'the record has no value (a tombstone)' }
  try {
    return withEvent(described, await decoder.decode(value))
  } catch (error) {
    // An invalid or undecodable value is a common reason for being in the DLQ: say why, keep it listable,
    // and show what the writer's schema alone can read of it.
    const decodeError = messageOf(error)
    if (!decoder.decodeUnknown) return { ...described, decodeError }
    try {
      return { ...withEvent(described, (await decoder.decodeUnknown(value)).value), decodeError }
    } catch (unknownError) {
      return { ...described, decodeError: `${decodeError}; with the writer schema alone: ${messageOf(unknownError)}` }
    }
  }
}

function withEvent(described: DeadLetterRecord, decoded: unknown): DeadLetterRecord {
  const fields = decoded && typeof decoded === 'object' ? (decoded as Record<string, unknown>) : {}
  return {
    ...described,
    decoded,
    eventType: typeof fields.event_type === 'string' ? fields.event_type : described.eventType,
    eventId: typeof fields.event_id === 'string' ? fields.event_id : described.eventId,
  }
}

/** The filters that need no decoding. */
/**
 * Refuses a filter that would silently widen: an Invalid Date (a leap second passes a date-time format check
 * but not Date) would otherwise count as no bound, and a bulk replay with it would match the whole DLQ.
 */
export function checkFilter(filter: DeadLetterFilter): void {
  for (const bound of ['from', 'to'] as const) {
    const date = filter[bound]
    if (date !== undefined && !(date instanceof Date && Number.isFinite(date.getTime())))
      throw new GrimError('GRIM_INPUT_INVALID', `DLQ filter ${bound} is not a valid date`, {
        details: { argument: bound },
      })
  }
  if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime())
    throw new GrimError('GRIM_INPUT_INVALID', 'DLQ filter from is after to: nothing could match', {
      details: { argument: 'from' },
    })
}

export function matchesCheaply(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  const status = filter.status ?? 'pending'
  if (status !== 'all' && record.status !== status) return false
  if (filter.errorClass !== undefined && record.info.errorClass !== filter.errorClass) return false
  if (filter.key !== undefined && record.key !== filter.key) return false
  const time = record.timestamp.getTime()
  if (filter.from && time < filter.from.getTime()) return false
  if (filter.to && time > filter.to.getTime()) return false
  return true
}

/** Event type may come from the decoded event only, so it is checked after decoding. */
export function matchesEventType(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  return filter.eventType === undefined || record.eventType === filter.eventType
}

/** A cursor is the next offset to read per partition: opaque to callers, stable across calls. */
export function encodeCursor(next: Map<number, bigint>): string {
  return Buffer.from(JSON.stringify(Object.fromEntries([...next].map(([p, o]) => [p, String(o)])))).toString(
    'base64url',
  )
}

export function decodeCursor(cursor: string | undefined): Map<number, bigint> {
  const next = new Map<number, bigint>()
  if (cursor === undefined) return next
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>
    for (const [partition, offset] of Object.entries(parsed)) {
      if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset)) throw new Error(`bad entry ${partition}:${offset}`)
      next.set(Number(partition), BigInt(offset))
    }
  } catch (error) {
    throw new GrimError('GRIM_INPUT_INVALID', 'DLQ filter cursor is invalid: pass a nextCursor from list()', {
      cause: error,
      details: { argument: 'cursor' },
    })
  }
  return next
}
