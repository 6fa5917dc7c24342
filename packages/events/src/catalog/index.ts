// The user-event catalog: types, Avro schemas, construction and validation of grimOS user events.
export type { AvroField, AvroRecordSchema, AvroSchema } from './avro-schema.ts'
export { typeboxToAvro } from './avro-schema.ts'
export type { AvroType } from './avro-type.ts'
export { avroLogicalTypes, compileAvroType } from './avro-type.ts'
export type { PublishUserEventInput, UserDataInput } from './create.ts'
export { createUserEvent, utcTimestampOf } from './create.ts'
export type { EventMetadata, UserData, UserEvent, UserEventType } from './events.ts'
export {
  AVRO_NAMESPACE,
  EventMetadataSchema,
  isUserEventType,
  recordNameFor,
  SCHEMA_VERSION,
  USER_EVENT_TYPES,
  USER_EVENTS_TOPIC,
  userEventSchemas,
} from './events.ts'
export { EARLIEST_TIMESTAMP, isEmail, MAX_CLOCK_SKEW_MS } from './rules.ts'
export { avroSchemaFor, avroTypeFor, eventTypeForRecord } from './schemas.ts'
export { validateAgainst, validateUserEvent } from './validate.ts'
