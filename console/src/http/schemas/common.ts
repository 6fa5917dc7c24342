import { type TSchema, Type } from 'typebox'

// Shapes shared by the console API's route schemas. Offsets are decimal strings on the wire (int64 exceeds
// JSON's safe integers); times are ISO-8601 strings. Every object refuses unknown keys (strict-input.ts).

export const strict = { additionalProperties: false } as const

/** A Kafka topic name as the broker admits it. */
export const TopicName = Type.String({ minLength: 1, maxLength: 249, pattern: '^[a-zA-Z0-9._-]+$' })
export const PartitionNumber = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })
export const OffsetString = Type.String({ pattern: '^[0-9]{1,19}$', description: 'Kafka offset (int64) in decimal' })
export const DateTime = Type.String({ format: 'date-time', maxLength: 40 })
export const GroupId = Type.String({ minLength: 1, maxLength: 255 })
export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' })
export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('operator')])
export const Reason = Type.String({ minLength: 1, maxLength: 1000 })
/** A cursor returned by a previous page: opaque. */
export const Cursor = Type.String({ minLength: 1, maxLength: 4096 })

export const TopicParams = Type.Object({ topic: TopicName }, strict)
export const PositionParams = Type.Object(
  { topic: TopicName, partition: PartitionNumber, offset: OffsetString },
  strict,
)

export const Position = Type.Object({ partition: PartitionNumber, offset: OffsetString }, strict)

/** A page of items with an opaque cursor for the next one (absent: nothing more as of now). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) })
}
