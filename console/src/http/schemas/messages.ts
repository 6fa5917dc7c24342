import { type Static, Type } from 'typebox'
import { Cursor, DateTime, OffsetString, PartitionNumber, strict } from './common.ts'

// GET /api/topics/:topic/messages (one page), GET /api/topics/:topic/messages/:partition/:offset (one record),
// GET /api/topics/:topic/tail (SSE). The server reads a bounded window per request: nothing loads a topic.

const filterFields = {
  /** Exact UTF-8 record key. */
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
}

export const MessageQuery = Type.Object(
  {
    /** One partition; default every partition. */
    partition: Type.Optional(PartitionNumber),
    /** Start offset (with order=oldest) or end offset, exclusive (order=newest); needs `partition`. */
    offset: Type.Optional(OffsetString),
    /** Records appended at or after this time (mapped to offsets with ListOffsets by timestamp). */
    from: Type.Optional(DateTime),
    /** Records appended at or before this time. */
    to: Type.Optional(DateTime),
    /** `newest` (default) pages backwards from the end; `oldest` forwards from the start. */
    order: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')])),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    /** `nextCursor` of the previous page (the other query fields must stay the same). */
    cursor: Type.Optional(Cursor),
    ...filterFields,
  },
  strict,
)

export const TailQuery = Type.Object(
  {
    partition: Type.Optional(PartitionNumber),
    /** Start this far back in time; default: only records appended from now on. */
    from: Type.Optional(DateTime),
    ...filterFields,
  },
  strict,
)

export const Message = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.String(),
  /** ISO time of the record (its CreateTime or LogAppendTime). */
  timestamp: Type.String(),
  /** UTF-8 key, or `0x<hex>` when not printable; null for no key. */
  key: Type.Union([Type.String(), Type.Null()]),
  /** Header values as UTF-8 text, or `0x<hex>` when not printable. */
  headers: Type.Record(Type.String(), Type.String()),
  /** Bytes of key + value. */
  size: Type.Integer(),
  /** How the value was read: Avro through the registry, JSON, text, binary (hex), or a tombstone. */
  valueFormat: Type.Union([
    Type.Literal('avro'),
    Type.Literal('json'),
    Type.Literal('text'),
    Type.Literal('binary'),
    Type.Literal('null'),
  ]),
  /** Avro: the record as JSON; json: the parsed JSON; text: the string; binary: `0x<hex>` (first 4 KiB). */
  value: Type.Unknown(),
  schemaId: Type.Optional(Type.Integer()),
  subject: Type.Optional(Type.String()),
  schemaVersion: Type.Optional(Type.Integer()),
  /** Why the value could not be decoded as its format claims (it is then shown as binary). */
  decodeError: Type.Optional(Type.String()),
  eventType: Type.Optional(Type.String()),
  eventId: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
})

export const MessagePage = Type.Object({
  topic: Type.String(),
  messages: Type.Array(Message),
  /** Present when more records may follow in the chosen order. */
  nextCursor: Type.Optional(Type.String()),
  /** Records read to answer (filters may skip most of them). */
  scanned: Type.Integer(),
  /** True when the scan stopped at its bound before filling the page: follow nextCursor to go on. */
  scanLimitReached: Type.Boolean(),
})

export type MessageQuery = Static<typeof MessageQuery>
export type TailQuery = Static<typeof TailQuery>
export type Message = Static<typeof Message>
export type MessagePage = Static<typeof MessagePage>
