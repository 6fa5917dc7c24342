// The Avro side of the catalog: one record schema per event type, generated once at load and compiled once,
// so validation and encoding never rebuild a type on the hot path.
import { type AvroRecordSchema, typeboxToAvro } from './avro-schema.ts'
import { type AvroType, compileAvroType } from './avro-type.ts'
import { recordNameFor, USER_EVENT_TYPES, type UserEventType, userEventSchemas } from './events.ts'

interface CatalogEntry {
  schema: AvroRecordSchema
  type: AvroType
}

const entries = new Map<UserEventType, CatalogEntry>()
const typesByRecordName = new Map<string, UserEventType>()
for (const eventType of USER_EVENT_TYPES) {
  const schema = deepFreeze(typeboxToAvro(userEventSchemas[eventType], recordNameFor(eventType)))
  entries.set(eventType, { schema, type: compileAvroType(schema) })
  typesByRecordName.set(recordNameFor(eventType), eventType)
}

function entry(eventType: UserEventType): CatalogEntry {
  // Every catalog type has an entry (filled above); the lookup only fails for a value cast past the type system.
  return entries.get(eventType) as CatalogEntry
}

/** The Avro record schema (frozen) of one event type, as registered in the schema registry. */
export function avroSchemaFor(eventType: UserEventType): AvroRecordSchema {
  return entry(eventType).schema
}

/** The compiled avsc type of one event type (JSON view: timestamps as ISO strings). */
export function avroTypeFor(eventType: UserEventType): AvroType {
  return entry(eventType).type
}

/** The event type whose record has this full name, e.g. `dev.grimos.events.UserLogin` -> `user_login`. */
export function eventTypeForRecord(recordName: string): UserEventType | undefined {
  return typesByRecordName.get(recordName)
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
