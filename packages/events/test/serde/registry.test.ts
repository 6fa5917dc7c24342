import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import { type AvroRecordSchema, avroSchemaFor } from '../../src/catalog/index.ts'
import { GrimError } from '../../src/errors.ts'
import { SchemaRegistryClient } from '../../src/serde/registry.ts'

const registry = new SchemaRegistryClient({ registryUrl })
const subjects: string[] = []
deleteSubjectsAfter(() => subjects)

function newSubject(): string {
  const subject = uniqueName('registry')
  subjects.push(subject)
  return subject
}

test('register is idempotent, sets the compatibility first, and the schema comes back by id with its logical type', async () => {
  const subject = newSubject()
  const schema = avroSchemaFor('user_login')
  const id = await registry.register(subject, schema, 'BACKWARD')
  assert.equal(await registry.register(subject, schema, 'BACKWARD'), id)
  assert.equal(await registry.lookup(subject, schema), id)
  const config = (await (await fetch(`${registryUrl}/config/${subject}`)).json()) as { compatibilityLevel: string }
  assert.equal(config.compatibilityLevel, 'BACKWARD')
  const fetched = (await registry.schemaById(id)) as AvroRecordSchema
  assert.equal(fetched.name, 'dev.grimos.events.UserLogin')
  const timestamp = fetched.fields.find((f) => f.name === 'timestamp')
  assert.deepEqual(timestamp?.type, { type: 'long', logicalType: 'timestamp-millis' })
})

test('an incompatible version is refused under BACKWARD; the same change passes under NONE', async () => {
  const subject = newSubject()
  const v1 = avroSchemaFor('user_logout')
  await registry.register(subject, v1, 'BACKWARD')
  const v2 = { ...structuredClone(v1), fields: [...structuredClone(v1).fields, { name: 'region', type: 'string' }] }
  assert.equal(await registry.testCompatibility(subject, v2), false)
  await assert.rejects(registry.register(subject, v2, 'BACKWARD'), (error: unknown) => {
    assert.ok(error instanceof GrimError)
    assert.equal(error.code, 'GRIM_SCHEMA_INCOMPATIBLE')
    assert.match(error.message, new RegExp(`subject ${subject.replaceAll('.', '\\.')}`))
    assert.match(error.message, /BACKWARD/)
    return true
  })
  assert.ok((await registry.register(subject, v2, 'NONE')) > 0, 'compatibility is per subject and ours to set')
  assert.equal(await registry.testCompatibility(newSubject(), v2), true, 'a new subject has nothing to break')
})

test('registry failures map to the catalogue: unknown id, unreachable host', async () => {
  await assert.rejects(
    registry.schemaById(1_999_999_999),
    (error: unknown) => error instanceof GrimError && error.code === 'GRIM_SCHEMA_NOT_FOUND' && !error.retryable,
  )
  const offline = new SchemaRegistryClient({ registryUrl: 'http://127.0.0.1:9', registryRetries: 0 })
  for (const attempt of [
    () => offline.schemaById(1),
    () => offline.setCompatibility('x', 'BACKWARD'),
    () => offline.register('x', avroSchemaFor('user_login'), 'BACKWARD'),
  ]) {
    await assert.rejects(
      attempt(),
      (error: unknown) => error instanceof GrimError && error.code === 'GRIM_REGISTRY_UNAVAILABLE' && error.retryable,
    )
  }
})
