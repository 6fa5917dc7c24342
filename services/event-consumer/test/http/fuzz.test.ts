// Property-based fuzzing of every event-consumer body, query and path parameter: hostile JSON, wrong types,
// unknown fields, odd content types and valid-but-hostile values (dates that name no instant, cursors that do
// not decode, offsets past int64) get a clear 4xx in the one error shape, or the route's success; never a 5xx.
// Runs per property: HTTP_FUZZ_RUNS (default 200).
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import {
  assertClientError,
  assertNamesField,
  bodyLike,
  contentTypes,
  fuzzRuns,
  type Json,
  nastyStrings,
  queryLike,
  rawPayloads,
} from '../../../../packages/service-kit/test/support/http-fuzz.ts'
import { createTestTopic, kafkaBootstrap } from '../../../../test/support/index.ts'
import { DeadLetterWriter, GrimError } from '../../src/events.ts'
import { auth, buildTestService } from '../support.ts'

const topic = await createTestTopic('ec-fuzz', 1, ['.dlq', '.dlq.status', '.retry'])
let service: Awaited<ReturnType<typeof buildTestService>>

before(async () => {
  service = await buildTestService(topic)
  const writer = new DeadLetterWriter({ connection: { bootstrapBrokers: [kafkaBootstrap] } })
  try {
    for (const offset of [0, 1, 2]) {
      const now = new Date()
      await writer.deadLetter(
        {
          topic,
          partition: 0,
          offset: BigInt(offset),
          timestamp: BigInt(now.getTime()),
          key: Buffer.from(`user-${offset}`),
          value: Buffer.from(`not avro ${offset}`),
          headers: new Map([['event_type', Buffer.from('user_updated')]]),
        },
        `${topic}.group`,
        {
          error: new GrimError('GRIM_HANDLER_FAILED', 'fuzz seed'),
          attempts: 1,
          firstFailureAt: now,
          lastFailureAt: now,
        },
      )
    }
  } finally {
    await writer.close()
  }
})
after(() => service.cleanup())

const dateTime = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date(-8.64e15), max: new Date(8.64e15) }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2016-12-31T23:59:60Z',
    '2016-12-31 23:59:60Z',
    '1970-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '2020-02-29T00:00:00+14:00',
    '2020-01-01T00:00:00-23:59',
  ),
)
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 50 }), nastyStrings)
const status = fc.constantFrom('pending', 'replayed', 'discarded', 'all')
const cursor = fc.oneof(
  text,
  fc.constantFrom('eyJ9', 'e30', 'eyIwIjoiMSJ9', 'eyIwIjoiLTEifQ', 'eyJfX3Byb3RvX18iOiIxIn0', 'bnVsbA', 'WzFd'),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
)
const filterFields = {
  status,
  event_type: text,
  error_class: fc.oneof(fc.constant('GRIM_HANDLER_FAILED'), text),
  key: text,
  from: dateTime,
  to: dateTime,
}
const actor = { by: fc.string({ minLength: 1, maxLength: 200 }), reason: fc.string({ minLength: 1, maxLength: 1000 }) }
// Mostly nothing to find, so a run does not replay the seeded records every time.
const unseen = fc.constantFrom('0', '1', '2', '3', '18446744073709551615', '9999999999999999999', '9223372036854775807')
const position = fc.record({
  partition: fc.oneof(
    fc.constantFrom('0', '1', '2147483648', '9007199254740993', '-1', '1e3', 'x'),
    fc.nat().map(String),
  ),
  offset: fc.oneof(unseen, fc.constantFrom('-1', '1.5', '0x10', '', '%00'), fc.bigInt({ min: 0n }).map(String)),
})

const request = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  service.app.inject({
    method,
    url,
    headers: { ...auth, ...headers },
    ...(payload === undefined ? {} : { payload: payload as string }),
  })

// First, while the three seeded records are still pending (the fuzz below may replay or discard them).
test('an unknown field is a 400 naming it; a misspelled bulk filter replays nothing', async () => {
  const replay = await request('POST', '/dlq/replay', { errorClass: 'GRIM_DECODE_FAILED' })
  assertNamesField(replay, 'errorClass')
  assertNamesField(await request('GET', '/dlq/records?errorClass=x'), 'errorClass')
  assertNamesField(await request('POST', '/dlq/records/0/0/replay', { forced: true }), 'forced')
  assertNamesField(await request('POST', '/dlq/records/0/0/discard', { reason: 'x', who: 'me' }), 'who')
  assertNamesField(await request('GET', '/audit?userId=x'), 'userId')
  assertNamesField(await request('GET', '/users/x?verbose=1'), 'verbose')
  assertNamesField(await request('GET', '/dlq/records/0/0?full=1'), 'full')
  const pending = (await request('GET', '/dlq/records')).json()
  if (pending.records.length !== 3) throw new Error(`a refused request replayed: ${JSON.stringify(pending)}`)
})

// Each was a 5xx, or a silent "no bound", before the fix; all must stay 400s that name the field.
test('regressions found by the fuzz: each is a 400 naming the field, and nothing is replayed', async () => {
  const cases: Array<[string, string, unknown, string, string]> = [
    ['GET', '/audit?limit=1e999', undefined, 'limit', 'type'],
    ['GET', '/dlq/records?limit=1e999', undefined, 'limit', 'type'],
    ['GET', '/dlq/records?limit=0x10', undefined, 'limit', 'type'],
    ['GET', '/dlq/records?cursor=eyJ9', undefined, 'cursor', 'cursor'],
    ['GET', '/users/%00', undefined, 'id', 'text'],
    ['GET', '/audit?user_id=%00', undefined, 'user_id', 'text'],
    ['GET', '/dlq/records/9007199254740993/1', undefined, 'partition', 'maximum'],
    ['GET', '/dlq/records/1e3/1', undefined, 'partition', 'type'],
    ['GET', '/dlq/records/0/9999999999999999999', undefined, 'offset', 'maximum'],
    ['GET', '/dlq/records?from=2016-12-31T23:59:60Z', undefined, 'from', 'format'],
    ['POST', '/dlq/replay', { from: '2016-12-31T23:59:60Z' }, 'from', 'format'],
    ['POST', '/dlq/replay', { to: '2016-12-31T23:59:60Z', key: 'user-0' }, 'to', 'format'],
    ['POST', '/dlq/records/0/0/discard', { reason: 'x\u0000' }, 'reason', 'text'],
  ]
  for (const [method, url, payload, field, rule] of cases) {
    const response = await request(method as 'GET', url, payload)
    const details = response.statusCode === 400 ? response.json().error.details : []
    const named = details.some((d: { field: string; rule: string }) => d.field === field && d.rule === rule)
    if (!named) throw new Error(`${method} ${url}: expected 400 naming ${field} (${rule}), got ${response.body}`)
  }
  const pending = (await request('GET', '/dlq/records')).json()
  if (pending.records.length !== 3) throw new Error(`a refused request changed the DLQ: ${JSON.stringify(pending)}`)
})

test('fuzz GET /dlq/records: hostile filters, cursors and unknown names', async () => {
  const valid = {
    status,
    limit: fc.integer({ min: 1, max: 1000 }).map(String),
    cursor,
    from: dateTime,
    to: dateTime,
  }
  await fc.assert(
    fc.asyncProperty(queryLike([...Object.keys(filterFields), 'limit', 'cursor'], valid), async (query) => {
      assertClientError(await request('GET', `/dlq/records?${query}`), query, [200])
    }),
    { numRuns: fuzzRuns },
  )
})

test('fuzz POST /dlq/replay: bodies shaped like the filter', async () => {
  const fields: Record<string, fc.Arbitrary<Json>> = {
    ...filterFields,
    ...actor,
    force: fc.boolean(),
    limit: fc.integer({ min: 1, max: 10_000 }),
  }
  await fc.assert(
    fc.asyncProperty(bodyLike(fields), async (body) => {
      // A filter that matches nothing unless the fuzz says otherwise: the seeded records stay pending.
      const scoped = { key: 'nobody', ...body }
      assertClientError(await request('POST', '/dlq/replay', scoped), scoped, [200])
    }),
    { numRuns: fuzzRuns },
  )
})

test('fuzz the per-record routes: positions, replay and discard bodies', async () => {
  await fc.assert(
    fc.asyncProperty(
      position,
      fc.constantFrom('', '/replay', '/discard'),
      bodyLike({ ...actor, force: fc.boolean() }),
      async ({ partition, offset }, action, body) => {
        const url = `/dlq/records/${partition}/${offset}${action}`
        const response = action === '' ? await request('GET', url) : await request('POST', url, body)
        assertClientError(response, { url, body }, [200])
      },
    ),
    { numRuns: fuzzRuns },
  )
})

test('fuzz the read routes: GET /users/:id and GET /audit', async () => {
  const valid = {
    event_type: fc.constantFrom('user_login', 'user_logout', 'user_password_changed'),
    outcome: fc.constantFrom('success', 'failure'),
    limit: fc.integer({ min: 1, max: 1000 }).map(String),
    user_id: fc.oneof(fc.uuid(), fc.string({ minLength: 1 })),
  }
  await fc.assert(
    fc.asyncProperty(queryLike(Object.keys(valid), valid), text, async (query, id) => {
      assertClientError(await request('GET', `/audit?${query}`), query, [200])
      const user = `/users/${encodeURIComponent(id.toWellFormed())}`
      assertClientError(await request('GET', user), user, [200])
    }),
    { numRuns: fuzzRuns },
  )
})

test('fuzz every route: raw payloads, content types and query strings', async () => {
  const routes = [
    ['POST', '/dlq/replay'],
    ['POST', '/dlq/records/0/99/replay'],
    ['POST', '/dlq/records/0/99/discard'],
    ['GET', '/dlq/records'],
    ['GET', '/audit'],
    ['GET', '/health/live'],
    ['GET', '/metrics'],
  ] as const
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      rawPayloads,
      contentTypes,
      queryLike(['limit', 'status']),
      async ([method, url], payload, contentType, query) => {
        const target = `${url}${query === '' ? '' : `?${query}`}`
        const response = await request(method, target, method === 'GET' ? undefined : payload, {
          'content-type': contentType,
        })
        const ok = method === 'GET' ? [200] : []
        assertClientError(response, { target, payload, contentType }, ok)
      },
    ),
    { numRuns: fuzzRuns },
  )
})
