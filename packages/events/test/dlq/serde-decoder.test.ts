// The DLQ with the real EventSerde as its decoder: Avro on the wire, schemas in the registry.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, deleteSubjectsAfter } from '../../../../test/support/index.ts'
import { createUserEvent } from '../../src/catalog/index.ts'
import { DeadLetterQueue } from '../../src/dlq/index.ts'
import { GrimError } from '../../src/errors.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'
import { seedDeadLetters } from './seed.ts'

const topic = await createTestTopic('dlq-serde', 1, ['.dlq', '.dlq.status'])
const serde = new EventSerde({ topic })
after(() => serde.close())
deleteSubjectsAfter(() => [serde.subjectFor('user_login')])

test('Avro events show decoded; bytes that are not Avro show why, with the type from the headers', async () => {
  const event = createUserEvent(validInputs.user_login)
  await seedDeadLetters(topic, [
    {
      key: event.user_id,
      value: await serde.encode(event),
      headers: { event_type: 'something_else', event_id: 'header-id' },
      error: new GrimError('GRIM_HANDLER_FAILED', 'x'),
    },
    {
      key: 'user-garbage',
      value: Buffer.from('plain text'),
      headers: { event_type: 'user_deleted', event_id: 'e-garbage' },
      error: new GrimError('GRIM_DECODE_FAILED', 'y'),
    },
  ])
  const queue = new DeadLetterQueue({ sourceTopic: topic, decoder: serde })
  after(() => queue.close())
  const { records } = await queue.list()
  const decoded = records.find((r) => r.key === event.user_id)
  assert.ok(decoded)
  assert.equal(decoded.decodeError, undefined)
  assert.equal(decoded.eventType, 'user_login', "the decoded event's type wins over the header")
  assert.equal(decoded.eventId, event.event_id)
  assert.equal((decoded.decoded as { user_id?: string }).user_id, event.user_id)
  assert.deepEqual(
    (await queue.list({ eventType: 'user_login' })).records.map((r) => r.key),
    [event.user_id],
  )

  const garbage = records.find((r) => r.key === 'user-garbage')
  assert.ok(garbage?.decodeError, 'a decode error is reported')
  assert.equal(garbage.decoded, undefined)
  assert.equal(garbage.eventType, 'user_deleted')
})
