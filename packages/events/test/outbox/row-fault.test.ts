import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ResponseError } from '@platformatic/kafka'
import { EventValidationError, GrimError } from '../../src/errors.ts'
import { kafkaError } from '../../src/kafka/errors.ts'
import { isRowFault } from '../../src/outbox/row-fault.ts'

/** A produce answer as the client builds it: a ResponseError with the broker's error code for one partition. */
const brokerAnswer = (code: number) => new ResponseError(0, 9, { '/topics/0/partitions/0': [code, null] }, {})

test("an invalid event, an unknown type and a record the broker refuses as too large are the row's own fault", () => {
  assert.equal(isRowFault(new EventValidationError([{ field: 'data.email', rule: 'format', message: 'bad' }])), true)
  assert.equal(isRowFault(new GrimError('GRIM_EVENT_TYPE_UNKNOWN', 'event_type user_exploded')), true)
  // The broker's verdict, as the client nests it and the classifier maps it (kafka/errors.ts).
  for (const code of [10, 18, 87]) assert.equal(isRowFault(kafkaError('producing failed', brokerAnswer(code))), true)
})

test('setup errors and anything retryable are not a fault of the row', () => {
  for (const error of [
    new GrimError('GRIM_SCHEMA_INCOMPATIBLE', 'registry answered 409'),
    new GrimError('GRIM_REGISTRY_UNAVAILABLE', 'registry answered 401', { retryable: false }),
    kafkaError('producing failed', brokerAnswer(29)),
    // Text is not a verdict: only the classifier's typed fault counts.
    new GrimError('GRIM_PUBLISH_FAILED', 'producing failed: MESSAGE_TOO_LARGE'),
    new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker went away'),
    // A retryable verdict wins even for a code that is otherwise the row's own.
    new GrimError('GRIM_EVENT_INVALID', 'schema not loaded yet', { retryable: true }),
    new Error('MESSAGE_TOO_LARGE from something that is not ours'),
  ])
    assert.equal(isRowFault(error), false, error.message)
})
