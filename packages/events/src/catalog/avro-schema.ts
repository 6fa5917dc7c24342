// Generates Avro record schemas from the catalog's TypeBox definitions, so the wire schema is never a
// second hand-kept copy. Only the shapes the catalog uses are supported; anything else fails loudly at
// start-up rather than producing a schema that silently differs from the TypeScript type.
import type { TSchema } from 'typebox'
import { GrimError } from '../errors.ts'
import { pascalCase } from './events.ts'

export type AvroSchema = string | AvroSchema[] | AvroRecordSchema | { type: string; [attribute: string]: unknown }

export interface AvroField {
  name: string
  type: AvroSchema
  doc?: string
  default?: unknown
}

export interface AvroRecordSchema {
  type: 'record'
  name: string
  namespace?: string
  doc?: string
  fields: AvroField[]
}

interface JsonSchemaNode {
  type?: string
  const?: unknown
  enum?: unknown[]
  anyOf?: JsonSchemaNode[]
  format?: string
  minimum?: number
  maximum?: number
  description?: string
  items?: JsonSchemaNode
  properties?: Record<string, JsonSchemaNode>
  required?: string[]
}

const INT_MIN = -(2 ** 31)
const INT_MAX = 2 ** 31 - 1

/**
 * Converts a TypeBox object schema into an Avro record named `fullName` (`namespace.Name`). Nested
 * records and enums are named after their parent and field (`UserLoginData`, `UserLoginDataOutcome`).
 */
export function typeboxToAvro(schema: TSchema, fullName: string): AvroRecordSchema {
  const dot = fullName.lastIndexOf('.')
  const namespace = dot > 0 ? fullName.slice(0, dot) : undefined
  const { type, name, ...rest } = toRecord(schema as JsonSchemaNode, fullName.slice(dot + 1), fullName)
  return namespace ? { type, name, namespace, ...rest } : { type, name, ...rest }
}

function toRecord(node: JsonSchemaNode, name: string, path: string): AvroRecordSchema {
  if (node.type !== 'object' || !node.properties) unsupported(path, 'expected an object')
  const required = new Set(node.required ?? [])
  const fields = Object.entries(node.properties).map(([fieldName, fieldNode]): AvroField => {
    const fieldPath = `${path}.${fieldName}`
    let type = toAvro(fieldNode, name + pascalCase(fieldName), fieldPath)
    // An optional key reads back as null, the same as a nullable one: both become ["null", T] default null.
    if (!required.has(fieldName) && !isNullableUnion(type)) type = ['null', type]
    const field: AvroField = { name: fieldName, type }
    if (fieldNode.description) field.doc = fieldNode.description
    if (isNullableUnion(type)) field.default = null
    return field
  })
  return node.description ? { type: 'record', name, doc: node.description, fields } : { type: 'record', name, fields }
}

function toAvro(node: JsonSchemaNode, name: string, path: string): AvroSchema {
  if (node.anyOf) return fromUnion(node.anyOf, name, path)
  if (node.enum) return toEnum(node.enum, name, path)
  if (typeof node.const === 'string') return 'string'
  switch (node.type) {
    case 'string':
      return node.format === 'date-time' ? { type: 'long', logicalType: 'timestamp-millis' } : 'string'
    case 'boolean':
      return 'boolean'
    case 'integer':
      return (node.minimum ?? 0) < INT_MIN || (node.maximum ?? 0) > INT_MAX ? 'long' : 'int'
    case 'number':
      return 'double'
    case 'array':
      if (!node.items) return unsupported(path, 'array without items')
      return { type: 'array', items: toAvro(node.items, `${name}Item`, `${path}[]`) }
    case 'object':
      return toRecord(node, name, path)
    default:
      return unsupported(path, `type ${JSON.stringify(node.type)}`)
  }
}

function fromUnion(branches: JsonSchemaNode[], name: string, path: string): AvroSchema {
  if (branches.every((b) => typeof b.const === 'string'))
    return toEnum(
      branches.map((b) => b.const),
      name,
      path,
    )
  const present = branches.filter((b) => b.type !== 'null')
  const only = present[0]
  if (present.length === 1 && only && branches.length === 2) return ['null', toAvro(only, name, path)]
  return unsupported(path, 'unions other than T | null or a set of string literals')
}

function toEnum(values: unknown[], name: string, path: string): AvroSchema {
  const symbols = values.filter((v): v is string => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v))
  if (symbols.length !== values.length) unsupported(path, 'enum values must be valid Avro names')
  return { type: 'enum', name, symbols }
}

function isNullableUnion(type: AvroSchema): boolean {
  return Array.isArray(type) && type[0] === 'null'
}

function unsupported(path: string, what: string): never {
  throw new GrimError('GRIM_CONFIG_INVALID', `cannot map ${path} to Avro: ${what}`, { details: { path } })
}
