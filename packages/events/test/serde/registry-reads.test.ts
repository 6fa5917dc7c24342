// The registry client's reads for operator tools (the console, the CLI): subjects, versions, one version, where
// a schema id is registered, compatibility levels, and a candidate check that registers nothing.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import { USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { EventSerde } from '../../src/serde/index.ts'

const serde = new EventSerde({ registryUrl, topic: uniqueName('registry-reads') })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))
after(() => serde.close())

test('subjects, versions, a version by number, the subject of an id, compatibility, a candidate check', async () => {
  const registered = await serde.registerSchemas()
  const login = registered.find((r) => r.eventType === 'user_login')
  assert.ok(login)
  const registry = serde.registry
  assert.ok((await registry.subjects()).includes(login.subject))
  assert.deepEqual(await registry.versions(login.subject), [1])
  const version = await registry.schemaVersion(login.subject, 1)
  assert.equal(version.id, login.id)
  assert.equal((version.schema as { name: string }).name, 'UserLogin')
  // The same schema under several subjects has one id: every place it is registered is listed.
  assert.ok((await registry.subjectVersionsOfId(login.id)).some((v) => v.subject === login.subject && v.version === 1))
  assert.equal(await registry.compatibility(login.subject), 'BACKWARD')
  assert.equal(typeof (await registry.compatibility()), 'string')

  const schema = version.schema as { fields: unknown[] }
  const added = { ...schema, fields: [...schema.fields, { name: 'note', type: ['null', 'string'], default: null }] }
  assert.deepEqual(await registry.checkCandidate(login.subject, JSON.stringify(added)), {
    compatible: true,
    messages: [],
  })
  const breaking = { ...schema, fields: [...schema.fields, { name: 'must', type: 'string' }] }
  const refused = await registry.checkCandidate(login.subject, JSON.stringify(breaking))
  assert.equal(refused.compatible, false)
  assert.deepEqual(await registry.versions(login.subject), [1], 'a check registers nothing')
  assert.deepEqual(await registry.checkCandidate(uniqueName('new-subject'), JSON.stringify(added)), {
    compatible: true,
    messages: [],
  })
})
