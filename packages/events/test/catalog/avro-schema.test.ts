import assert from 'node:assert/strict'
import { test } from 'node:test'
import avro from 'avsc'
import { Type } from 'typebox'
import {
  type AvroRecordSchema,
  avroSchemaFor,
  eventTypeForRecord,
  recordNameFor,
  typeboxToAvro,
  USER_EVENT_TYPES,
} from '../../src/catalog/index.ts'
import { GrimError } from '../../src/errors.ts'

const fieldOf = (record: AvroRecordSchema, name: string) => record.fields.find((f) => f.name === name)

test('each event type has its own named record schema that avsc accepts', () => {
  const names = new Set<string>()
  for (const eventType of USER_EVENT_TYPES) {
    const schema = avroSchemaFor(eventType)
    const fullName = `${schema.namespace}.${schema.name}`
    assert.equal(fullName, recordNameFor(eventType))
    assert.equal(eventTypeForRecord(fullName), eventType)
    assert.doesNotThrow(() => avro.Type.forSchema(schema as avro.Schema))
    names.add(fullName)
  }
  assert.equal(names.size, 7)
  assert.equal(recordNameFor('user_password_changed'), 'dev.grimos.events.UserPasswordChanged')
})

test('the envelope maps to Avro types: timestamp-millis, int version, nullable metadata with null defaults', () => {
  const schema = avroSchemaFor('user_login')
  assert.deepEqual(fieldOf(schema, 'timestamp')?.type, { type: 'long', logicalType: 'timestamp-millis' })
  assert.equal(fieldOf(schema, 'schema_version')?.type, 'int')
  const metadata = fieldOf(schema, 'metadata')?.type as AvroRecordSchema
  assert.deepEqual(fieldOf(metadata, 'source_ip'), { name: 'source_ip', type: ['null', 'string'], default: null })
  assert.equal(fieldOf(metadata, 'traceparent'), undefined, 'trace context travels in headers')
  const data = fieldOf(schema, 'data')?.type as AvroRecordSchema
  assert.deepEqual(fieldOf(data, 'outcome')?.type, {
    type: 'enum',
    name: 'UserLoginDataOutcome',
    symbols: ['success', 'failure'],
  })
  assert.deepEqual(fieldOf(data, 'roles')?.type, { type: 'array', items: 'string' })
})

test('no schema has a field that could hold a password or a hash', () => {
  const fieldNames = (record: AvroRecordSchema): string[] =>
    record.fields.flatMap((field) => {
      const type = field.type as AvroRecordSchema
      return [field.name, ...(type?.type === 'record' ? fieldNames(type) : [])]
    })
  const names = USER_EVENT_TYPES.flatMap((eventType) => fieldNames(avroSchemaFor(eventType)))
  assert.ok(names.includes('changed_by'), 'the walk reaches the data records')
  assert.deepEqual(
    names.filter((name) => /pass|hash|secret/i.test(name)),
    [],
  )
})

test('the converter maps optional keys and large integers, and refuses shapes it cannot express', () => {
  const schema = typeboxToAvro(
    Type.Object({ count: Type.Integer({ maximum: 2 ** 40 }), note: Type.Optional(Type.String()) }),
    'dev.grimos.test.Sample',
  )
  assert.deepEqual(schema, {
    type: 'record',
    name: 'Sample',
    namespace: 'dev.grimos.test',
    fields: [
      { name: 'count', type: 'long' },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  })
  assert.throws(
    () => typeboxToAvro(Type.Object({ either: Type.Union([Type.String(), Type.Boolean()]) }), 'x.Y'),
    (error: unknown) => error instanceof GrimError && /x\.Y\.either/.test(error.message),
  )
})

test('catalog schemas are frozen: nobody can edit the source of truth at run time', () => {
  assert.throws(() => {
    ;(avroSchemaFor('user_registered').fields as unknown[]).push({ name: 'password', type: 'string' })
  }, TypeError)
})
