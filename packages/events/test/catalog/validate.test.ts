import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  avroTypeFor,
  createUserEvent,
  type UserEvent,
  validateAgainst,
  validateUserEvent,
} from '../../src/catalog/index.ts'
import { EventValidationError, GrimError, type Violation } from '../../src/errors.ts'
import { validInputs } from './fixtures.ts'

/** An event as untyped JSON, to break it in ways the types would not allow. */
type LooseEvent = Record<string, unknown> & { data: Record<string, unknown>; metadata: Record<string, unknown> }

const valid = () => structuredClone(createUserEvent(validInputs.user_login)) as unknown as LooseEvent

function violationsOf(value: unknown): Violation[] {
  try {
    validateUserEvent(value)
  } catch (error) {
    assert.ok(error instanceof EventValidationError, `expected EventValidationError, got ${error}`)
    assert.equal(error.code, 'GRIM_EVENT_INVALID')
    return error.violations
  }
  assert.fail('the event was accepted')
}

function assertRefused(value: unknown, field: string, rule: string): void {
  const violations = violationsOf(value)
  assert.ok(
    violations.some((v) => v.field === field && v.rule === rule),
    `expected ${field} [${rule}], got ${JSON.stringify(violations)}`,
  )
}

test('a bad email is refused naming data.email and the email rule', () => {
  const event = valid()
  event.data.email = 'not-an-email'
  assertRefused(event, 'data.email', 'email')
  assert.throws(() => validateUserEvent(event), /data\.email must be a valid email address \[email\]/)
})

test('user_id must equal data.id', () => {
  const event = valid()
  event.user_id = '0190d5a2-0000-7000-8000-000000000000'
  assertRefused(event, 'user_id', 'matches-data-id')
})

test('an unknown event type is GRIM_EVENT_TYPE_UNKNOWN, not a validation error', () => {
  const event = { ...valid(), event_type: 'user_teleported' }
  assert.throws(
    () => validateUserEvent(event),
    (error: unknown) =>
      error instanceof GrimError && error.code === 'GRIM_EVENT_TYPE_UNKNOWN' && /user_teleported/.test(error.message),
  )
  assertRefused({ ...valid(), event_type: undefined }, 'event_type', 'required')
})

test('timestamps before 2020 or more than 5 minutes ahead are refused', () => {
  assertRefused({ ...valid(), timestamp: '2010-06-01T12:00:00.000Z' }, 'timestamp', 'not-before-2020')
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString()
  assertRefused({ ...valid(), timestamp: inAnHour }, 'timestamp', 'not-in-future')
  const inOneMinute = new Date(Date.now() + 60_000).toISOString()
  assert.doesNotThrow(() => validateUserEvent({ ...valid(), timestamp: inOneMinute }), 'small clock skew is fine')
  assertRefused({ ...valid(), timestamp: 'yesterday' }, 'timestamp', 'avro-type')
  assertRefused({ ...valid(), timestamp: '2024-01-01' }, 'timestamp', 'iso-8601')
})

test('no event carries a password or a hash, wherever the key is put', () => {
  for (const key of ['password', 'password_hash', 'hashed_password', 'new_password']) {
    const inData = valid()
    inData.data[key] = 'hunter2'
    assertRefused(inData, `data.${key}`, 'no-secrets')
    assertRefused({ ...valid(), [key]: 'x' }, key, 'no-secrets')
  }
  const inMetadata = valid()
  inMetadata.metadata.password = 'x'
  assertRefused(inMetadata, 'metadata.password', 'no-secrets')
  assert.throws(
    () =>
      createUserEvent({
        ...validInputs.user_password_changed,
        userData: { ...validInputs.user_password_changed.userData, password: 'x' } as never,
      }),
    /data\.password must not be sent/,
  )
})

test('other undeclared keys, wrong types and missing fields are named with their path', () => {
  const event = valid()
  event.data.nickname = 'ada'
  event.data.roles = ['user', 7]
  event.data.is_active = 'yes'
  delete event.data.full_name
  event.data.login_method = 'carrier_pigeon'
  const violations = violationsOf(event)
  const byField = new Map(violations.map((v) => [v.field, v]))
  assert.equal(byField.get('data.nickname')?.rule, 'undeclared-field')
  assert.equal(byField.get('data.roles[1]')?.rule, 'avro-type')
  assert.match(byField.get('data.is_active')?.message ?? '', /boolean/)
  assert.equal(byField.get('data.full_name')?.rule, 'required')
  assert.match(byField.get('data.login_method')?.message ?? '', /password, refresh_token, sso/)
})

test('business rules: event_id must be a UUID, login failures need a reason, verified email must match', () => {
  assertRefused({ ...valid(), event_id: 'evt-1' }, 'event_id', 'uuid')
  assert.doesNotThrow(
    () => validateUserEvent({ ...valid(), event_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }),
    'v1 ids replay',
  )
  const failure = valid()
  failure.data.failure_reason = null
  assertRefused(failure, 'data.failure_reason', 'failure-reason')
  const verified = structuredClone(createUserEvent(validInputs.user_email_verified)) as unknown as LooseEvent
  verified.data.verified_email = 'other@example.com'
  assertRefused(verified, 'data.verified_email', 'matches-email')
})

test('non-objects are refused and a valid event comes back typed', () => {
  assertRefused('{"event_type":"user_login"}', '(root)', 'object')
  const event: UserEvent = validateUserEvent(valid())
  assert.equal(event.event_type, 'user_login')
  assert.equal(validateAgainst(avroTypeFor('user_login'), event), event)
})

test('NUL and unpaired surrogates are refused in every string, with the path (no database keeps them)', () => {
  const withNul = valid()
  withNul.data.full_name = 'Ada\u0000Lovelace'
  assertRefused(withNul, 'data.full_name', 'text')
  const loneSurrogate = valid()
  loneSurrogate.metadata.user_agent = 'agent \ud800'
  assertRefused(loneSurrogate, 'metadata.user_agent', 'text')
  const inArray = valid()
  inArray.data.roles = ['user', 'adm\u0000in']
  assertRefused(inArray, 'data.roles[1]', 'text')
  const paired = valid()
  paired.data.full_name = 'Ada 😀'
  assert.doesNotThrow(() => validateUserEvent(paired), 'a well-formed pair (an emoji) is fine')
  assert.throws(
    () =>
      createUserEvent({
        ...validInputs.user_login,
        userData: { ...validInputs.user_login.userData, full_name: 'x\u0000' },
      }),
    {
      code: 'GRIM_EVENT_INVALID',
    },
  )
})
