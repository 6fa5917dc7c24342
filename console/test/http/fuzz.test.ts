// Property-based fuzzing of the console's bodies, queries and path parameters: hostile JSON, wrong types, unknown
// fields, values past their bounds get a clear 4xx in the one error shape, or the route's success; never a 5xx.
// Runs per property: HTTP_FUZZ_RUNS (default 200), fewer for the routes that read Kafka.
import { test } from 'node:test'
import fc from 'fast-check'
import {
  assertClientError,
  assertNamesField,
  bodyLike,
  fuzzRuns,
  type Json,
  nastyStrings,
  queryLike,
} from '../../../packages/service-kit/test/support/http-fuzz.ts'
import { Client, startTestConsole } from '../support.ts'

const t = await startTestConsole('console-fuzz')
const admin = new Client(t.url)
await admin.login('admin', t.adminPassword)
const kafkaRuns = Math.max(10, Math.floor(fuzzRuns / 4))

const request = (method: string, url: string, payload?: unknown) =>
  t.server.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: admin.cookie ?? '', 'x-csrf-token': admin.csrf ?? '' },
    ...(payload === undefined ? {} : { payload: payload as string }),
  })

const text = fc.oneof(fc.string({ minLength: 1, maxLength: 50 }), nastyStrings)
const dateTime = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date(-8.64e15), max: new Date(8.64e15) }).map((d) => d.toISOString()),
  fc.constantFrom('2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z'),
)
const offset = fc.oneof(
  fc.constantFrom('0', '1', '-1', '1.5', '0x10', '', '9223372036854775807', '18446744073709551615'),
  fc.bigInt({ min: 0n }).map(String),
)
const cursor = fc.oneof(
  text,
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
)

test('unknown fields are a 400 naming them, on every kind of route', async () => {
  assertNamesField(await request('GET', `/api/topics/${t.topic}/messages?userId=x`), 'userId')
  assertNamesField(await request('GET', `/api/dlq/${t.topic}.dlq/records?errorClass=x`), 'errorClass')
  assertNamesField(await request('POST', `/api/dlq/${t.topic}.dlq/replay`, { errorClass: 'x' }), 'errorClass')
  assertNamesField(await request('POST', '/api/produce', { lines: ['{}'], dry_run: true }), 'dry_run')
  assertNamesField(await request('GET', '/api/trace?eventId=x'), 'eventId')
  assertNamesField(await request('POST', '/api/groups/g/offsets', { topic: t.topic, to: 'latest', force: 1 }), 'force')
  assertNamesField(
    await request('POST', '/api/operators', { username: 'a', password: 'x'.repeat(12), role: 'viewer', admin: true }),
    'admin',
  )
  assertNamesField(await request('GET', '/api/topics?verbose=1'), 'verbose')
})

test('fuzz GET messages: hostile positions, times, filters and cursors', async () => {
  const valid = {
    partition: fc.nat({ max: 8 }).map(String),
    offset,
    from: dateTime,
    to: dateTime,
    order: fc.constantFrom('newest', 'oldest'),
    limit: fc.integer({ min: 1, max: 500 }).map(String),
    cursor,
    key: text,
    event_type: text,
    event_id: text,
    user_id: text,
  }
  await fc.assert(
    fc.asyncProperty(queryLike(Object.keys(valid), valid), async (query) => {
      assertClientError(await request('GET', `/api/topics/${t.topic}/messages?${query}`), query, [200])
    }),
    { numRuns: kafkaRuns },
  )
})

test('fuzz POST /api/produce: hostile lines are per-line results, hostile bodies 4xx', async () => {
  const fields: Record<string, fc.Arbitrary<Json>> = {
    lines: fc.array(
      fc.oneof(
        text,
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      ),
      { maxLength: 5 },
    ),
    firstLine: fc.integer(),
    dryRun: fc.constant(true),
    skipInvalid: fc.boolean(),
    topic: text,
  }
  await fc.assert(
    fc.asyncProperty(bodyLike(fields), async (body) => {
      const dry = { ...body, dryRun: true }
      assertClientError(await request('POST', '/api/produce', dry), dry, [200])
    }),
    { numRuns: fuzzRuns },
  )
})

test('fuzz the DLQ: list queries, replay-many previews, per-record routes', async () => {
  const filter = {
    status: fc.constantFrom('pending', 'replayed', 'discarded', 'all'),
    event_type: text,
    error_class: text,
    key: text,
    from: dateTime,
    to: dateTime,
  }
  await fc.assert(
    fc.asyncProperty(
      queryLike([...Object.keys(filter), 'limit', 'cursor'], {
        ...filter,
        cursor,
        limit: fc.nat({ max: 2000 }).map(String),
      }),
      bodyLike({
        ...filter,
        limit: fc.integer(),
        dryRun: fc.constant(true),
        positions: fc.array(fc.record({ partition: fc.integer(), offset })),
      }),
      fc.tuple(fc.oneof(fc.nat().map(String), fc.constantFrom('-1', 'x', '1e3')), offset),
      async (query, body, [partition, at]) => {
        const dlq = `/api/dlq/${t.topic}.dlq`
        assertClientError(await request('GET', `${dlq}/records?${query}`), query, [200])
        const preview = { ...body, dryRun: true }
        assertClientError(await request('POST', `${dlq}/replay`, preview), preview, [200])
        assertClientError(await request('GET', `${dlq}/records/${partition}/${at}`), { partition, at }, [200])
      },
    ),
    { numRuns: kafkaRuns },
  )
})

test('fuzz trace, offset reset previews, schema checks and accounts', async () => {
  await fc.assert(
    fc.asyncProperty(
      queryLike(['event_id', 'user_id', 'topic', 'from', 'to'], { from: dateTime, to: dateTime, event_id: text }),
      bodyLike({
        topic: text,
        to: fc.constantFrom('earliest', 'latest', 'timestamp', 'offset', 'x'),
        timestamp: dateTime,
        offset,
        partitions: fc.array(fc.integer(), { maxLength: 3 }),
        dryRun: fc.constant(true),
      }),
      bodyLike({
        schema: fc.oneof(
          text,
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
      }),
      bodyLike({ username: text, password: text, role: fc.constantFrom('viewer', 'operator', 'admin') }),
      async (traceQuery, reset, check, account) => {
        assertClientError(await request('GET', `/api/trace?${traceQuery}`), traceQuery, [200])
        const preview = { ...reset, dryRun: true }
        assertClientError(await request('POST', '/api/groups/grimos-fuzz-group/offsets', preview), preview, [200])
        assertClientError(await request('POST', '/api/schemas/fuzz-subject/check', check), check, [200])
        assertClientError(await request('POST', '/api/operators', account), account, [201])
      },
    ),
    { numRuns: kafkaRuns },
  )
})
