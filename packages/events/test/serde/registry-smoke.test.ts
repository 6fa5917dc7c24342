import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { registryUrl, uniqueName } from '../../../../test/support/index.ts'

test('a schema registers and comes back through the Confluent-compatible API', async () => {
  const registry = new SchemaRegistry({ host: registryUrl })
  const name = uniqueName('Smoke').replaceAll(/[^A-Za-z0-9]/g, '_')
  const schema = {
    type: 'record',
    name,
    namespace: 'dev.grimos.test',
    fields: [{ name: 'id', type: 'string' }],
  }
  const subject = `${name}-value`
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })
  assert.ok(id > 0)
  assert.equal(await registry.getLatestSchemaId(subject), id)
  const fetched = (await registry.getSchema(id)) as { name?: string }
  assert.equal(fetched.name, `dev.grimos.test.${name}`)
  const encoded = await registry.encode(id, { id: 'u-1' })
  assert.equal(encoded[0], 0, 'Confluent magic byte')
  assert.equal(encoded.readInt32BE(1), id, 'schema id follows the magic byte')
  assert.deepEqual({ ...(await registry.decode(encoded)) }, { id: 'u-1' })
})
