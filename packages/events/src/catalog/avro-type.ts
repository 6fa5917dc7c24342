// Compiles Avro schemas into avsc types that speak the JSON view: timestamp-millis longs are ISO-8601
// strings in and out. Every avsc type in the package comes from here, so the catalog, the serde and the
// resolvers all agree on the logical types.
import avro from 'avsc'
import type { AvroSchema } from './avro-schema.ts'

/** ISO-8601 string in the JSON view, epoch milliseconds on the wire. */
class IsoTimestampMillis extends avro.types.LogicalType {
  protected override _fromValue(value: number | string): string {
    // A writer that used this same logical type hands over a string already; a plain long hands a number.
    return typeof value === 'number' ? formatTimestamp(value) : new Date(value).toISOString()
  }

  protected override _toValue(value: unknown): number | undefined {
    if (typeof value !== 'string') return undefined
    const millis = parseTimestamp(value)
    return Number.isNaN(millis) ? undefined : millis
  }

  protected override _resolve(writer: avro.Type): ((value: number | string) => string) | undefined {
    if (avro.Type.isType(writer, 'long', 'logical:timestamp-millis')) return (value) => this._fromValue(value)
    return undefined
  }
}

// Validation and encoding parse the same timestamp string back to back; remembering the last one halves
// the cost of the hot path without any cache to size or evict.
let lastTimestamp = ''
let lastMillis = Number.NaN

/** Date.parse with a one-entry memo. */
export function parseTimestamp(value: string): number {
  if (value !== lastTimestamp) {
    lastMillis = Date.parse(value)
    lastTimestamp = value
  }
  return lastMillis
}

// Events of one burst share their millisecond: building or decoding them formats the same instant again and again.
let formattedMillis = Number.NaN
let formatted = ''

/** Date#toISOString of epoch milliseconds, with a one-entry memo. */
export function formatTimestamp(millis: number): string {
  if (millis !== formattedMillis) {
    formatted = new Date(millis).toISOString()
    formattedMillis = millis
  }
  return formatted
}

/** The logical types every avsc type of the package is compiled with. */
export const avroLogicalTypes = { 'timestamp-millis': IsoTimestampMillis }

export type AvroType = avro.Type

export function compileAvroType(schema: AvroSchema | object): AvroType {
  const type = avro.Type.forSchema(schema as avro.Schema, {
    logicalTypes: avroLogicalTypes,
    wrapUnions: 'auto',
    omitRecordMethods: true,
  })
  makeRecordsPlain(type, new Set())
  return type
}

/**
 * Decoded records are built by avsc's generated constructors. Without record methods those constructors add
 * nothing to the prototype, so they are pointed at Object.prototype: decoding then yields plain objects, like the
 * ones callers encode, with no copy (one per record used to be a fifth of the consumer's garbage).
 */
function makeRecordsPlain(type: AvroType, seen: Set<AvroType>): void {
  if (seen.has(type)) return
  seen.add(type)
  if (avro.Type.isType(type, 'record')) {
    const record = type as avro.types.RecordType
    ;(record.recordConstructor as { prototype: object }).prototype = Object.prototype
    for (const field of record.fields) makeRecordsPlain(field.type, seen)
  } else if (avro.Type.isType(type, 'array')) makeRecordsPlain((type as avro.types.ArrayType).itemsType, seen)
  else if (avro.Type.isType(type, 'map')) makeRecordsPlain((type as avro.types.MapType).valuesType, seen)
  else if (avro.Type.isType(type, 'union'))
    for (const branch of (type as avro.types.UnwrappedUnionType).types) makeRecordsPlain(branch, seen)
  else if (avro.Type.isType(type, 'logical')) makeRecordsPlain((type as avro.types.LogicalType).underlyingType, seen)
}
