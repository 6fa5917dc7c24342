import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isGrimError } from '@grimos/events'
import { parseLine } from '../../src/ops/produce.ts'

// The seed's own message format example, with the field our catalog adds to user_registered.
const seedExample = {
  event_type: 'user_registered',
  user_id: '123e4567-e89b-12d3-a456-426614174000',
  timestamp: '2025-05-15T14:30:00.123456',
  data: {
    id: '123e4567-e89b-12d3-a456-426614174000',
    email: 'user@example.com',
    full_name: 'John Doe',
    is_active: true,
    is_superuser: false,
    roles: ['user'],
    registration_method: 'self_signup',
  },
  metadata: { source_ip: '127.0.0.1', user_agent: 'Mozilla/5.0...', request_id: 'abcdef123456' },
}

function refused(line: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseLine(JSON.stringify(line)),
    (error: unknown) => isGrimError(error) && pattern.test(`${error.code} ${error.message}`),
  )
}

test("the seed's example event is accepted: its zoneless timestamp is UTC, the envelope is filled in", () => {
  const event = parseLine(JSON.stringify(seedExample))
  assert.equal(event.timestamp, '2025-05-15T14:30:00.123Z')
  assert.equal(event.user_id, seedExample.user_id)
  assert.equal(event.schema_version, 1)
  assert.match(event.event_id, /^[0-9a-f-]{36}$/)
  assert.equal(event.metadata.request_id, 'abcdef123456')
})

test('a complete event is validated as it is, with a zoneless timestamp read as UTC', () => {
  const complete = { ...seedExample, event_id: '01a2304f-8724-7403-bfeb-409ca9f436c2', schema_version: 1 }
  const event = parseLine(JSON.stringify({ ...complete, metadata: { ...complete.metadata, source: 'import' } }))
  assert.equal(event.event_id, complete.event_id)
  assert.equal(event.timestamp, '2025-05-15T14:30:00.123Z')
})

test('hostile or malformed lines are refused by name, never dropped or guessed', () => {
  refused({ ...seedExample, eventType: 'x', extra: 1 }, /GRIM_INPUT_INVALID unknown field "eventType"/)
  refused({ ...seedExample, data: 'abc' }, /GRIM_INPUT_INVALID data must be an object/)
  refused({ ...seedExample, metadata: ['x'] }, /GRIM_INPUT_INVALID metadata must be an object/)
  refused({ ...seedExample, timestamp: 'yesterday' }, /GRIM_EVENT_INVALID/)
  refused({ ...seedExample, event_type: 'user_exploded' }, /GRIM_EVENT_TYPE_UNKNOWN/)
  assert.throws(
    () => parseLine('{"event_type":'),
    (error: unknown) => isGrimError(error),
  )
})
