// Building blocks for the event schemas. Each carries exactly what the Avro converter needs to pick the
// wire type, so the TypeBox definition stays the one source of truth for both the TS type and the schema.
import { type TProperties, type TSchema, Type } from 'typebox'

/** An instant as an ISO-8601 string in the JSON/TS view; a `long` with logicalType timestamp-millis on the wire. */
export const IsoTimestamp = (description?: string) =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}) })

/** A value that may be null; on the wire `["null", T]` with default null, so adding one later is compatible. */
export const Nullable = <T extends TSchema>(type: T, description?: string) =>
  Type.Union([type, Type.Null()], description ? { description } : {})

/** A closed set of strings; an Avro enum on the wire (its name derives from the record and field). */
export const StringEnum = <const V extends readonly [string, ...string[]]>(values: V, description?: string) =>
  Type.Enum(values, description ? { description } : {})

/** A record with no undeclared keys: nothing can slip into an event unseen (a password, for one). */
export const Closed = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) })
