// First validation level: does the value fit the Avro schema? Walks the compiled avsc type so every
// violation names its field path. Stricter than avsc's own isValid: nullable fields must be present (null
// when empty) and undeclared keys are refused, with secret-looking keys named as such.
import avro from 'avsc'
import type { Violation } from '../errors.ts'
import type { AvroType } from './avro-type.ts'

/** Keys that look like a credential. No event may carry one, declared or not. */
const SECRET_KEY = /pass(word|wd|phrase)|(^|_)hash(ed)?(_|$)/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

export function avroViolations(type: AvroType, value: unknown, path = ''): Violation[] {
  const violations: Violation[] = []
  walk(type, value, path, violations)
  return violations
}

function walk(type: AvroType, value: unknown, path: string, out: Violation[]): void {
  if (avro.Type.isType(type, 'record')) {
    walkRecord(type as avro.types.RecordType, value, path, out)
    return
  }
  if (avro.Type.isType(type, 'array') && Array.isArray(value)) {
    const items = (type as avro.types.ArrayType).itemsType
    for (let i = 0; i < value.length; i++) walk(items, value[i], `${path}[${i}]`, out)
    return
  }
  if (!type.isValid(value)) out.push({ field: path || '(root)', rule: 'avro-type', message: describe(type) })
}

function walkRecord(type: avro.types.RecordType, value: unknown, path: string, out: Violation[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.push({ field: path || '(root)', rule: 'avro-type', message: describe(type) })
    return
  }
  const record = value as Record<string, unknown>
  const prefix = path ? `${path}.` : ''
  for (const field of type.fields) {
    const fieldValue = record[field.name]
    if (fieldValue === undefined) {
      const nullable = field.defaultValue() === null
      out.push({
        field: prefix + field.name,
        rule: 'required',
        message: nullable ? 'is required (null when there is no value)' : 'is required',
      })
    } else {
      walk(field.type, fieldValue, prefix + field.name, out)
    }
  }
  for (const key of Object.keys(record)) {
    if (type.field(key)) continue
    out.push(
      isSecretKey(key)
        ? {
            field: prefix + key,
            rule: 'no-secrets',
            message: 'must not be sent: events never carry a password or hash',
          }
        : { field: prefix + key, rule: 'undeclared-field', message: `is not a field of ${type.name}` },
    )
  }
}

function describe(type: AvroType): string {
  if (avro.Type.isType(type, 'union')) {
    const branches = (type as avro.types.UnwrappedUnionType).types
    return `must be ${branches.map((branch) => article(branch)).join(' or ')}`
  }
  return `must be ${article(type)}`
}

function article(type: AvroType): string {
  if (avro.Type.isType(type, 'enum')) return `one of ${(type as avro.types.EnumType).symbols.join(', ')}`
  if (avro.Type.isType(type, 'logical:timestamp-millis')) return 'an ISO-8601 timestamp'
  if (avro.Type.isType(type, 'record')) return `a ${type.name} record`
  const names: Record<string, string> = {
    null: 'null',
    boolean: 'a boolean',
    int: 'a 32-bit integer',
    long: 'an integer',
    float: 'a number',
    double: 'a number',
    string: 'a string',
    bytes: 'bytes',
    array: 'an array',
    map: 'an object',
  }
  return names[type.typeName] ?? `a ${type.typeName}`
}
