// Hostile HTTP input for property-based tests of every route (fast-check), and the one assertion they share:
// a clear 4xx in the grimOS error shape, never a 5xx. Used by the service-kit tests and by both services.
import assert from 'node:assert/strict'
import fc from 'fast-check'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Keys that have bitten JavaScript servers before (prototype pollution, lookups that hit Object.prototype). */
export const nastyKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000']

/** Strings a naive service chokes on: NUL, lone surrogates, RTL override, emoji, SQL and format-string bait. */
export const nastyStrings = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    '\u202eevil',
    '👩‍👩‍👧‍👦',
    "' or 1=1 --",
    '%s%n%x',
    '$' + '{7*7}',
    '../../etc/passwd',
    '\r\nx-injected: 1',
    'NaN',
    'Infinity',
    '-0',
    '1e999',
    'true',
    'null',
    '9999999999999999999999',
    '0000-01-01T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '9999-12-31T23:59:59.999999999+23:59',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
)

/** Numbers at the edges of JSON and of JavaScript's number. */
export const nastyNumbers = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
)

const hugeString = fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n))

/** Any JSON value, weighted toward the nasty ones. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, weight: 3 },
  { arbitrary: nastyStrings, weight: 3 },
  { arbitrary: nastyNumbers, weight: 2 },
  { arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [null], { '': null }), weight: 2 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 500 }).map(nested), weight: 1 },
)

/** A value nested `depth` levels deep, alternating arrays and objects. */
export function nested(depth: number): Json {
  let value: Json = 'deep'
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value }
  return value
}

/**
 * Bodies shaped like a route's: each known field absent, valid (from `fields`) or hostile, plus sometimes an
 * unknown field (a misspelling of a known one, a nasty key or a random one).
 */
export function bodyLike(fields: Record<string, fc.Arbitrary<Json>>): fc.Arbitrary<Record<string, Json>> {
  const names = Object.keys(fields)
  // Mostly valid fields, so the hostile one is often the only thing wrong and reaches the handler.
  const field = (name: string) =>
    fc.oneof({ arbitrary: fields[name] as fc.Arbitrary<Json>, weight: 3 }, { arbitrary: hostileValue, weight: 1 })
  const known = fc.record(Object.fromEntries(names.map((name) => [name, field(name)])), { requiredKeys: [] })
  const misspelled = [...names.map(camelCase), ...names.map((name) => `${name}_`), ...names.map((n) => n.toUpperCase())]
  const unknownKey = fc.oneof(
    fc.constantFrom(...nastyKeys),
    fc.constantFrom(...nastyKeys, ...misspelled),
    fc.string({ maxLength: 20 }),
  )
  const extras = fc.dictionary(unknownKey, hostileValue, { maxKeys: 3 })
  return fc.tuple(known, fc.oneof(fc.constant({}), extras)).map(([body, extra]) => withExtras(body, extra))
}

// Object.assign would treat `__proto__` as the setter; defineProperty makes it a real own key, as JSON.parse does.
function withExtras(body: Partial<Record<string, Json>>, extra: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const [key, value] of [...Object.entries(body), ...Object.entries(extra)]) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())

/** Query strings shaped like a route's: known names with nasty values, repeats, unknown names, odd encoding. */
export function queryLike(names: string[], valid: Record<string, fc.Arbitrary<string>> = {}): fc.Arbitrary<string> {
  const value = (name: string) =>
    fc.oneof(valid[name] ?? fc.constant('1'), nastyStrings, fc.constantFrom('', '%', '%zz', '%00', '%E0%A4%A'))
  const pair = fc.oneof(
    fc.constantFrom(...names).chain((name) => value(name).map((v) => `${name}=${encodeMaybe(v)}`)),
    fc
      .tuple(
        fc.oneof(fc.constantFrom(...nastyKeys, ...names.map(camelCase)), fc.string({ maxLength: 10 })),
        nastyStrings,
      )
      .map(([key, v]) => `${encodeURIComponent(toWellFormed(key))}=${encodeMaybe(v)}`),
    fc.constantFrom('a[b]=1', 'a[]=1', '&', '=', '==', 'limit', 'x=1&x=2', '__proto__[x]=1'),
  )
  return fc.array(pair, { maxLength: 5 }).map((pairs) => pairs.join('&'))
}

// Raw '%' sequences stay as they are (malformed escapes on purpose); everything else is percent-encoded.
const encodeMaybe = (value: string) => (value.startsWith('%') ? value : encodeURIComponent(toWellFormed(value)))
const toWellFormed = (value: string) => value.toWellFormed()

export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  'invalid',
  ';;;',
  'application/json;;',
)

/** Raw payloads: hostile JSON, malformed JSON, deep nesting near the body limit, and random text. */
export const rawPayloads: fc.Arbitrary<string> = fc.oneof(
  hostileValue.map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    '[1,2',
    'nul',
    '"unterminated',
    '{"a":1}{"b":2}',
    '\ufeff{}',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":1e999}',
    '{"a":-1e999}',
    `{"a":${'9'.repeat(400)}}`,
    `${'['.repeat(4000)}${']'.repeat(4000)}`,
    `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
)

export interface InjectedResponse {
  statusCode: number
  body: string
  headers: Record<string, unknown>
}

/**
 * A clear client error: a 4xx in the one error shape. `allowed` lists the success statuses a valid (or
 * valid-but-hostile) input may get instead; anything else, and any 5xx, fails with the input in the message.
 */
export function assertClientError(response: InjectedResponse, input: unknown, allowed: readonly number[] = []): void {
  const context = () => `input ${safeStringify(input)} got ${response.statusCode}: ${response.body.slice(0, 500)}`
  if (allowed.includes(response.statusCode)) return
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, context())
  let body: { error?: Record<string, unknown> }
  try {
    body = JSON.parse(response.body)
  } catch (error) {
    assert.fail(`not JSON (${(error as Error).message}): ${context()}`)
  }
  const error = body.error
  assert.ok(error !== undefined, context())
  assert.equal(typeof error.code, 'string', context())
  assert.equal(typeof error.message, 'string', context())
  assert.equal(error.statusCode, response.statusCode, context())
  assert.equal(typeof error.requestId, 'string', context())
  assert.ok(error.details === undefined || Array.isArray(error.details), context())
  assert.deepEqual(Object.keys(body), ['error'], context())
}

/** A 400 naming `field` among its details (the unknown-field answer). */
export function assertNamesField(response: InjectedResponse, field: string): void {
  assert.equal(response.statusCode, 400, response.body)
  const error = JSON.parse(response.body).error
  assert.equal(error.code, 'VALIDATION_FAILED', response.body)
  assert.match(error.message, /not allowed/, response.body)
  const fields = (error.details as Array<{ field: string; rule: string }>).map((d) => `${d.field}:${d.rule}`)
  assert.ok(fields.includes(`${field}:additionalProperties`), `${field} not named in ${response.body}`)
}

function safeStringify(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text
}

/** Runs per property; bounded so a file stays well under a minute on a shared 2-core machine. */
export const fuzzRuns = Number(process.env.HTTP_FUZZ_RUNS ?? 200)
