// Proof that EventSerde writes the standard Confluent wire format: a different Avro implementation
// (Apache avro-js), a hand-parsed header and the schema fetched over plain HTTP read the bytes back.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, test } from 'node:test'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import { createUserEvent, USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

// avro-js's entry point loads a deprecated validator that needs `underscore`, which it does not declare
// (and is not installed); its schema module is the Avro implementation itself. No type declarations ship.
const avroJs = createRequire(import.meta.url)('avro-js/lib/schemas.js') as {
  createType(schema: object): { fromBuffer(buffer: Buffer): Record<string, unknown> }
}

/** avro-js gives non-null union values in Avro's JSON form, `{ "string": "Ada" }`; our view is the bare value. */
function unwrapUnions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapUnions)
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value)
  const [only] = entries
  if (entries.length === 1 && only && ['string', 'int', 'long', 'boolean'].includes(only[0])) return only[1]
  return Object.fromEntries(entries.map(([key, child]) => [key, unwrapUnions(child)]))
}

const serde = new EventSerde({ topic: uniqueName('wire-format') })
after(() => serde.close())
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))

test('avro-js decodes what EventSerde encoded, using the writer schema fetched by id over HTTP', async () => {
  for (const eventType of USER_EVENT_TYPES) {
    const event = createUserEvent(validInputs[eventType])
    const bytes = await serde.encode(event)

    assert.equal(bytes.readUInt8(0), 0, 'magic byte')
    const schemaId = bytes.readInt32BE(1)
    const response = await fetch(`${registryUrl}/schemas/ids/${schemaId}`)
    assert.equal(response.status, 200)
    const { schema } = (await response.json()) as { schema: string }

    const decoded = unwrapUnions(avroJs.createType(JSON.parse(schema)).fromBuffer(bytes.subarray(5)))
    assert.deepEqual(decoded, { ...event, timestamp: Date.parse(event.timestamp) }, `${eventType} via avro-js`)
  }
})
