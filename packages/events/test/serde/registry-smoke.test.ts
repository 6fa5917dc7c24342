// Smoke test of our serde against the running registry, through its Confluent-compatible API: our client
// registers the schemas, our encoder frames an event in the Confluent wire format, and both our decoder and a
// stock Confluent client read it back. The subjects are deleted when the file ends.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import { createUserEvent, USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

const serde = new EventSerde({ registryUrl, topic: uniqueName('smoke') })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))

test('our serde registers every schema and round-trips an event through the Confluent-compatible API', async (t) => {
  t.after(() => serde.close())
  const registered = await serde.registerSchemas()
  assert.deepEqual(registered.map((r) => r.eventType).sort(), [...USER_EVENT_TYPES].sort())

  // What the registry itself says, over plain REST: each subject's latest version has the id we were given.
  for (const { subject, id } of registered) {
    const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`)
    assert.equal(response.status, 200, subject)
    assert.equal(((await response.json()) as { id: number }).id, id, subject)
  }

  const event = createUserEvent(validInputs.user_login)
  const encoded = await serde.encode(event)
  const loginId = registered.find((r) => r.eventType === 'user_login')?.id
  assert.equal(encoded[0], 0, 'Confluent magic byte')
  assert.equal(encoded.readInt32BE(1), loginId, 'the registered schema id follows the magic byte')
  assert.deepEqual(await serde.decode(encoded), event)

  // A stock Confluent client, knowing nothing of ours, reads the same bytes (the interoperability we promise).
  const stock = (await new SchemaRegistry({ host: registryUrl }).decode(encoded)) as { event_id: string }
  assert.equal(stock.event_id, event.event_id)
})
