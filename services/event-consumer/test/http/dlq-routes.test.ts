import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { createTestTopic, kafkaBootstrap } from '../../../../test/support/index.ts'
import { DeadLetterWriter, GrimError } from '../../src/events.ts'
import { auth, buildTestService } from '../support.ts'

/** Dead-letters one record of `topic` directly, as the consumer would after a failure. */
async function deadLetter(
  writer: DeadLetterWriter,
  topic: string,
  offset: number,
  eventType: string,
  error: GrimError,
) {
  const now = new Date()
  await writer.deadLetter(
    {
      topic,
      partition: 0,
      offset: BigInt(offset),
      timestamp: BigInt(now.getTime()),
      key: Buffer.from(`user-${offset}`),
      // Not Avro: inspecting must still show the record, with the reason it could not be decoded.
      value: Buffer.from(`not avro ${offset}`),
      headers: new Map([
        ['event_type', Buffer.from(eventType)],
        ['event_id', Buffer.from(`event-${offset}`)],
      ]),
    },
    `${topic}.group`,
    { error, attempts: 3, firstFailureAt: now, lastFailureAt: now },
  )
}

/**
 * A service and a DLQ of its own for each test, holding the same four dead letters (DLQ offsets 0 to 3): replays
 * and discards change that state, so no test may depend on what another did before it, or on the order they run.
 */
async function fixture(t: TestContext) {
  const topic = await createTestTopic('ec-dlq', 1, ['.dlq', '.dlq.status', '.retry'])
  const service = await buildTestService(topic)
  t.after(() => service.cleanup())
  const writer = new DeadLetterWriter({ connection: { bootstrapBrokers: [kafkaBootstrap] } })
  try {
    await deadLetter(writer, topic, 10, 'user_updated', new GrimError('GRIM_HANDLER_FAILED', 'user u1 unknown'))
    await deadLetter(writer, topic, 11, 'user_login', new GrimError('GRIM_DECODE_FAILED', 'bad bytes'))
    await deadLetter(writer, topic, 12, 'user_updated', new GrimError('GRIM_HANDLER_FAILED', 'user u3 unknown'))
    await deadLetter(writer, topic, 13, 'user_logout', new GrimError('GRIM_HANDLER_FAILED', 'user u4 unknown'))
  } finally {
    await writer.close()
  }
  const get = (url: string, headers: Record<string, string> = auth) =>
    service.app.inject({ method: 'GET', url, headers })
  const post = (url: string, payload?: object, headers: Record<string, string> = auth) =>
    service.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) })
  return { topic, service, get, post }
}

test('every DLQ route needs the operator token, before any validation', async (t) => {
  const { get, post } = await fixture(t)
  for (const response of [
    await get('/dlq/records', {}),
    await get('/dlq/records/0/0', {}),
    await post('/dlq/records/0/0/replay', {}, {}),
    await post('/dlq/replay', { limit: 'many' }, {}),
    await post('/dlq/records/0/0/discard', {}, {}),
  ]) {
    assert.equal(response.statusCode, 401)
    assert.equal(response.json().error.code, 'OPERATOR_UNAUTHORIZED')
  }
})

test('list shows pending dead letters and filters by event type and error class', async (t) => {
  const { topic, get } = await fixture(t)
  const all = await get('/dlq/records')
  assert.equal(all.statusCode, 200)
  const body = all.json()
  assert.equal(body.topic, `${topic}.dlq`)
  assert.deepEqual(
    body.records.map((r: { position: { offset: string } }) => r.position.offset),
    ['0', '1', '2', '3'],
  )
  const [first] = body.records
  assert.equal(first.eventType, 'user_updated')
  assert.equal(first.status, 'pending')
  assert.equal(first.info.originalTopic, topic)
  assert.equal(first.info.originalOffset, '10')
  assert.equal(first.info.errorClass, 'GRIM_HANDLER_FAILED')
  assert.equal(first.info.errorStack, undefined, 'a listing leaves stacks out')

  const updates = (await get('/dlq/records?event_type=user_updated')).json()
  assert.equal(updates.records.length, 2)
  const decode = (await get('/dlq/records?error_class=GRIM_DECODE_FAILED')).json()
  assert.deepEqual(
    decode.records.map((r: { eventId: string }) => r.eventId),
    ['event-11'],
  )
  const paged = (await get('/dlq/records?limit=1')).json()
  assert.equal(paged.records.length, 1)
  assert.equal(typeof paged.nextCursor, 'string')
  const next = (await get(`/dlq/records?limit=1&cursor=${paged.nextCursor}`)).json()
  assert.equal(next.records[0].position.offset, '1')
})

test('inspect shows one record in full, including why it could not be decoded', async (t) => {
  const { get } = await fixture(t)
  const response = await get('/dlq/records/0/1')
  assert.equal(response.statusCode, 200)
  const record = response.json()
  assert.equal(record.key, 'user-11')
  assert.equal(record.info.errorMessage, 'bad bytes')
  assert.equal(typeof record.info.errorStack, 'string')
  assert.equal(typeof record.decodeError, 'string')
  const missing = await get('/dlq/records/0/999')
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().error.code, 'GRIM_DLQ_RECORD_NOT_FOUND')
  const bad = await get('/dlq/records/0/minus-one')
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().error.code, 'VALIDATION_FAILED')
})

test('replay one sends it back to its topic once; a second replay needs force', async (t) => {
  const { topic, get, post } = await fixture(t)
  const response = await post('/dlq/records/0/0/replay', { by: 'alice', reason: 'user registered now' })
  assert.equal(response.statusCode, 200)
  const outcome = response.json()
  assert.equal(outcome.to.topic, topic)
  assert.equal(outcome.replayCount, 1)
  const again = await post('/dlq/records/0/0/replay')
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().error.code, 'GRIM_REPLAY_REFUSED')
  const forced = await post('/dlq/records/0/0/replay', { force: true, by: 'alice' })
  assert.equal(forced.statusCode, 200)
  assert.equal(forced.json().replayCount, 2)
  const replayed = (await get('/dlq/records?status=replayed')).json()
  assert.deepEqual(
    replayed.records.map((r: { position: { offset: string }; statusBy: string }) => [r.position.offset, r.statusBy]),
    [['0', 'alice']],
  )
})

test('discard needs a reason and hides the record from the pending list', async (t) => {
  const { get, post } = await fixture(t)
  const noReason = await post('/dlq/records/0/1/discard', {})
  assert.equal(noReason.statusCode, 400)
  assert.equal(noReason.json().error.code, 'VALIDATION_FAILED')
  const response = await post('/dlq/records/0/1/discard', { reason: 'garbage from a test producer', by: 'bob' })
  assert.equal(response.statusCode, 200)
  const record = response.json()
  assert.equal(record.status, 'discarded')
  assert.equal(record.statusReason, 'garbage from a test producer')
  assert.equal(record.statusBy, 'bob')
  const pending = (await get('/dlq/records')).json()
  assert.deepEqual(
    pending.records.map((r: { position: { offset: string } }) => r.position.offset),
    ['0', '2', '3'],
  )
})

test('replay many by filter replays only what matches, and counts the decisions', async (t) => {
  const { service, get, post } = await fixture(t)
  const discarded = await post('/dlq/records/0/1/discard', { reason: 'garbage from a test producer' })
  assert.equal(discarded.statusCode, 200)
  const response = await post('/dlq/replay', { event_type: 'user_updated', limit: 10 })
  assert.equal(response.statusCode, 200)
  const result = response.json()
  assert.deepEqual(
    result.replayed.map((r: { from: { offset: string } }) => r.from.offset),
    ['0', '2'],
  )
  assert.deepEqual(result.skipped, [])
  const pending = (await get('/dlq/records')).json()
  assert.deepEqual(
    pending.records.map((r: { eventType: string }) => r.eventType),
    ['user_logout'],
  )
  const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /grimos_event_consumer_dlq_decisions_total\{decision="replayed",service="event-consumer"\} 2/)
  assert.match(metrics, /grimos_event_consumer_dlq_decisions_total\{decision="discarded",service="event-consumer"\} 1/)
})
