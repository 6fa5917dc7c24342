import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventValidationError, GrimError } from '../../src/errors.ts'
import { isRowFault } from '../../src/outbox/row-fault.ts'

test("an invalid event, an unknown type and a record the broker refuses as too large are the row's own fault", () => {
  assert.equal(isRowFault(new EventValidationError([{ field: 'data.email', rule: 'format', message: 'bad' }])), true)
  assert.equal(isRowFault(new GrimError('GRIM_EVENT_TYPE_UNKNOWN', 'event_type user_exploded')), true)
  assert.equal(isRowFault(new GrimError('GRIM_PUBLISH_FAILED', 'producing failed: MESSAGE_TOO_LARGE')), true)
  // The broker's verdict may only be in a wrapped cause or among nested errors.
  const nested = Object.assign(new Error('send failed'), {
    errors: [Object.assign(new Error('x'), { code: 'RECORD_LIST_TOO_LARGE' })],
  })
  assert.equal(isRowFault(new GrimError('GRIM_PUBLISH_FAILED', 'producing failed', { cause: nested })), true)
  assert.equal(
    isRowFault(new GrimError('GRIM_PUBLISH_FAILED', 'producing failed', { cause: new Error('INVALID_RECORD') })),
    true,
  )
})

test('setup errors and anything retryable are not a fault of the row', () => {
  for (const error of [
    new GrimError('GRIM_SCHEMA_INCOMPATIBLE', 'registry answered 409'),
    new GrimError('GRIM_REGISTRY_UNAVAILABLE', 'registry answered 401', { retryable: false }),
    new GrimError('GRIM_PUBLISH_FAILED', 'producing failed: TOPIC_AUTHORIZATION_FAILED'),
    new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker went away'),
    // A retryable verdict wins even for a code that is otherwise the row's own.
    new GrimError('GRIM_EVENT_INVALID', 'schema not loaded yet', { retryable: true }),
    new Error('MESSAGE_TOO_LARGE from something that is not ours'),
  ])
    assert.equal(isRowFault(error), false, error.message)
})
