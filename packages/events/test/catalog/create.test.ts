import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import fc from 'fast-check'
import { version as uuidVersion } from 'uuid'
import { deleteSubjectsAfter, uniqueName } from '../../../../test/support/index.ts'
import {
  createUserEvent,
  SCHEMA_VERSION,
  USER_EVENT_TYPES,
  type UserEvent,
  utcTimestampOf,
  validateUserEvent,
} from '../../src/catalog/index.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { userId, validInputs } from './fixtures.ts'

const serde = new EventSerde({ topic: uniqueName('catalog') })
after(() => serde.close())
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))

test('each of the seven event types is created valid and round-trips through Avro unchanged', async () => {
  for (const eventType of USER_EVENT_TYPES) {
    const event = createUserEvent(validInputs[eventType])
    assert.equal(event.event_type, eventType)
    assert.deepEqual(validateUserEvent(structuredClone(event)), event)
    const decoded = await serde.decode(await serde.encode(event))
    assert.deepEqual(decoded, event, `${eventType} decodes to what was encoded`)
  }
})

test('createUserEvent fills the envelope: UUIDv7 id, ISO timestamp, schema version, metadata defaults', () => {
  const now = new Date('2025-03-04T05:06:07.089Z')
  const event = createUserEvent(validInputs.user_registered, now)
  assert.equal(uuidVersion(event.event_id), 7)
  assert.equal(event.timestamp, '2025-03-04T05:06:07.089Z')
  assert.equal(event.schema_version, SCHEMA_VERSION)
  assert.equal(event.user_id, userId)
  assert.equal(event.data.id, userId, 'data.id defaults to userId')
  assert.deepEqual(event.metadata, { source: 'unknown', source_ip: null, user_agent: null, request_id: null })
  const explicit = createUserEvent({ ...validInputs.user_logout, eventId: event.event_id, timestamp: now }, now)
  assert.equal(explicit.event_id, event.event_id, 'a given event id is kept (idempotent retries)')
  assert.equal(explicit.data.session_id, 's-9')
})

test('nullable data fields may be left out and are sent as null', () => {
  const { failure_reason: _, ...userData } = validInputs.user_login.userData
  const event = createUserEvent({ ...validInputs.user_login, userData: { ...userData, outcome: 'success' } })
  assert.equal(event.data.failure_reason, null)
  assert.equal(event.data.full_name, 'Ada Lovelace')
})

test('the timestamp survives the wire to the millisecond', async () => {
  const timestamp = '2024-02-29T23:59:59.999Z'
  const event = createUserEvent({ ...validInputs.user_updated, timestamp })
  const decoded = await serde.decode(await serde.encode(event))
  assert.equal(decoded.timestamp, timestamp)
})

// Generators stay inside what the rules allow; the property is that anything valid decodes to itself.
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/)
const email = fc.tuple(word, word, fc.constantFrom('com', 'org', 'dev')).map(([a, b, tld]) => `${a}@${b}.${tld}`)
const text = fc.option(fc.string({ maxLength: 40 }), { nil: null })
const instant = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.now() }).map((ms) => new Date(ms))
const snapshot = fc.record({
  email,
  full_name: text,
  is_active: fc.boolean(),
  is_superuser: fc.boolean(),
  roles: fc.array(word, { maxLength: 4 }),
})
const metadata = fc.record({ source: word, source_ip: text, user_agent: text, request_id: text })
const perType = fc.oneof(
  fc
    .constantFrom('self_signup', 'admin', 'sso')
    .map((m) => ({ eventType: 'user_registered', extra: { registration_method: m } })),
  fc.array(word, { maxLength: 5 }).map((f) => ({ eventType: 'user_updated', extra: { changed_fields: f } })),
  fc
    .tuple(fc.constantFrom('self', 'admin'), text)
    .map(([by, reason]) => ({ eventType: 'user_deleted', extra: { deleted_by: by, reason } })),
  fc
    .tuple(fc.constantFrom('password', 'refresh_token', 'sso'), fc.option(word, { nil: null }))
    .map(([method, reason]) => ({
      eventType: 'user_login',
      extra: { login_method: method, outcome: reason === null ? 'success' : 'failure', failure_reason: reason },
    })),
  fc
    .tuple(fc.boolean(), text)
    .map(([all, session]) => ({ eventType: 'user_logout', extra: { all_sessions: all, session_id: session } })),
  fc
    .constantFrom('user', 'reset', 'admin')
    .map((by) => ({ eventType: 'user_password_changed', extra: { changed_by: by } })),
  fc.constant({ eventType: 'user_email_verified', extra: {} }),
)

test('property: any valid generated event round-trips through the serde', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uuid({ version: 7 }),
      snapshot,
      perType,
      metadata,
      instant,
      async (id, person, kind, meta, at) => {
        const extra = kind.eventType === 'user_email_verified' ? { verified_email: person.email } : kind.extra
        const input = {
          eventType: kind.eventType,
          userId: id,
          userData: { ...person, ...extra },
          metadata: meta,
          timestamp: at,
        }
        const event = createUserEvent(input as Parameters<typeof createUserEvent>[0])
        const decoded: UserEvent = await serde.decode(await serde.encode(event))
        assert.deepEqual(decoded, event)
        assert.equal(Date.parse(decoded.timestamp), at.getTime())
      },
    ),
    { numRuns: 300 },
  )
})

test("the event owns its arrays: changing the caller's afterwards changes nothing", () => {
  const roles = ['user']
  const event = createUserEvent({
    ...validInputs.user_logout,
    userData: { ...validInputs.user_logout.userData, roles },
  })
  roles.push('admin')
  assert.deepEqual(event.data.roles, ['user'])
})

test("a caller's clock sets the timestamp but never the event ids of the process", () => {
  const future = Date.now() + 3 * 60_000
  const stamped = createUserEvent(validInputs.user_logout, future)
  assert.equal(Date.parse(stamped.timestamp), future, "the caller's clock set the timestamp")
  const stampedMillis = Number.parseInt(stamped.event_id.replaceAll('-', '').slice(0, 12), 16)
  assert.ok(stampedMillis <= Date.now(), "not even this event's own id takes the caller's clock")
  const id = createUserEvent(validInputs.user_logout).event_id
  const idMillis = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)
  assert.ok(idMillis <= Date.now(), 'the next id carries the process clock')
})

test("a timestamp without a zone, as the seed's example has it, is UTC whatever the process's zone", () => {
  const zone = process.env.TZ
  process.env.TZ = 'America/New_York'
  try {
    const at = new Date('2025-05-15T14:30:00Z')
    const event = createUserEvent({ ...validInputs.user_logout, timestamp: '2025-05-15T14:30:00.123456' }, at)
    assert.equal(event.timestamp, '2025-05-15T14:30:00.123Z')
    assert.equal(utcTimestampOf('2025-05-15T14:30:00'), '2025-05-15T14:30:00.000Z')
    // A zone, when given, is kept; nonsense stays as given for validation to name.
    assert.equal(utcTimestampOf('2025-05-15T14:30:00+02:00'), '2025-05-15T12:30:00.000Z')
    assert.equal(utcTimestampOf('2025-05-15 14:30:00.5'), '2025-05-15T14:30:00.500Z')
    assert.equal(utcTimestampOf('yesterday'), 'yesterday')
  } finally {
    if (zone === undefined) delete process.env.TZ
    else process.env.TZ = zone
  }
})
