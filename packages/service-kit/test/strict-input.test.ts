import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GrimError } from '@grimos/events'
import fc from 'fast-check'
import { Type } from 'typebox'
import { createServiceApp } from '../src/app.ts'
import { looseObjects } from '../src/strict-input.ts'
import {
  assertClientError,
  assertNamesField,
  bodyLike,
  contentTypes,
  fuzzRuns,
  hostileValue,
  queryLike,
  rawPayloads,
} from './support/http-fuzz.ts'

const strict = { additionalProperties: false } as const

function app() {
  const service = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  const Body = Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 50 }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      force: Type.Optional(Type.Boolean()),
      address: Type.Optional(Type.Object({ city: Type.String() }, strict)),
      tags: Type.Optional(Type.Array(Type.String(), { maxItems: 5 })),
    },
    strict,
  )
  const Query = Type.Object(
    {
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('all')])),
    },
    strict,
  )
  service.post('/things', { schema: { body: Body, querystring: Query } }, async (request) => ({
    body: request.body,
    query: request.query,
  }))
  service.get('/things', { schema: { querystring: Query } }, async (request) => ({ query: request.query }))
  service.post('/logout', async () => ({ ok: true }))
  service.get('/plain', async () => ({ ok: true }))
  return service
}

test('a body or querystring schema that lets unknown fields through is refused at registration', async () => {
  const cases = [
    { body: Type.Object({ a: Type.String() }) },
    { querystring: Type.Object({ a: Type.Optional(Type.String()) }) },
    { body: Type.Object({ a: Type.Object({ b: Type.String() }) }, strict) },
    { body: Type.Object({ a: Type.Array(Type.Object({ b: Type.String() })) }, strict) },
    { body: Type.Union([Type.Object({ a: Type.String() }, strict), Type.Object({ b: Type.String() })]) },
    { body: { content: { 'application/json': { schema: Type.Object({ a: Type.String() }) } } } },
  ]
  for (const schema of cases) {
    const service = createServiceApp({ name: 'test', logger: { level: 'silent' } })
    assert.throws(
      () => service.post('/x', { schema }, async () => ({})),
      (error: unknown) => error instanceof GrimError && error.code === 'GRIM_CONFIG_INVALID',
      JSON.stringify(schema),
    )
    await service.close()
  }
  // A map says what its extra keys hold: a decision, not an accident.
  assert.deepEqual(looseObjects(Type.Record(Type.String(), Type.Boolean()), 'body'), [])
  assert.deepEqual(looseObjects(Type.Object({ a: Type.Object({}) }, strict), 'body'), ['body.a'])
})

test('an unknown body or query field is a 400 that names it; known ones still work, querystrings coerce', async (t) => {
  const service = app()
  t.after(() => service.close())
  const ok = await service.inject({ method: 'POST', url: '/things?limit=5', payload: { name: 'a', limit: 3 } })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.deepEqual(ok.json(), { body: { name: 'a', limit: 3 }, query: { limit: 5 } })

  assertNamesField(await service.inject({ method: 'POST', url: '/things', payload: { name: 'a', Limit: 3 } }), 'Limit')
  assertNamesField(await service.inject({ method: 'GET', url: '/things?errorClass=x' }), 'errorClass')
  const nestedExtra = { name: 'a', address: { city: 'x', zip: '1' } }
  assertNamesField(await service.inject({ method: 'POST', url: '/things', payload: nestedExtra }), 'address.zip')
  const message = (await service.inject({ method: 'GET', url: '/things?errorClass=x' })).json().error.message
  assert.equal(message, 'errorClass is not allowed [additionalProperties]')

  // A route that declares no body or query refuses one; none at all, or `{}`, is fine.
  assertNamesField(
    await service.inject({ method: 'POST', url: '/logout', payload: { all_sessions: true } }),
    'all_sessions',
  )
  assertNamesField(await service.inject({ method: 'GET', url: '/plain?verbose=1' }), 'verbose')
  assert.equal((await service.inject({ method: 'POST', url: '/logout' })).statusCode, 200)
  assert.equal((await service.inject({ method: 'POST', url: '/logout', payload: {} })).statusCode, 200)
  // No route: still a 404, whatever the query.
  assert.equal((await service.inject({ method: 'GET', url: '/nowhere?x=1' })).statusCode, 404)
})

test('a body of thousands of unknown fields answers with the first 20 and a count', async (t) => {
  const service = app()
  t.after(() => service.close())
  const payload = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))
  const response = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a', ...payload } })
  assert.equal(response.statusCode, 400)
  const error = response.json().error
  assert.equal(error.details.length, 20)
  assert.match(error.message, /^k0 is not allowed \[additionalProperties\] \(and 999 more\)$/)
  const long = await service.inject({ method: 'POST', url: '/things', payload: { name: 'a', ['k'.repeat(5000)]: 1 } })
  assert.ok(long.json().error.details[0].field.length <= 129)
})

test('fuzz: any body, content type and query on a strict route is a clear 4xx or a valid success', async (t) => {
  const service = app()
  t.after(() => service.close())
  const fields = {
    name: fc.string({ minLength: 1, maxLength: 50 }),
    limit: fc.integer({ min: 1, max: 100 }),
    force: fc.boolean(),
    address: fc.record({ city: fc.string() }),
    tags: fc.array(fc.string(), { maxLength: 5 }),
  }
  await fc.assert(
    fc.asyncProperty(bodyLike(fields), queryLike(['limit', 'status']), async (body, query) => {
      const response = await service.inject({ method: 'POST', url: `/things?${query}`, payload: body })
      assertClientError(response, { body, query }, [200])
    }),
    { numRuns: fuzzRuns },
  )
  await fc.assert(
    fc.asyncProperty(rawPayloads, contentTypes, async (payload, contentType) => {
      for (const url of ['/things', '/logout']) {
        const response = await service.inject({
          method: 'POST',
          url,
          payload,
          headers: { 'content-type': contentType },
        })
        assertClientError(response, { url, payload, contentType }, url === '/logout' ? [200] : [])
      }
    }),
    { numRuns: fuzzRuns },
  )
  await fc.assert(
    fc.asyncProperty(hostileValue, async (value) => {
      const response = await service.inject({
        method: 'POST',
        url: '/things',
        payload: JSON.stringify(value),
        headers: { 'content-type': 'application/json' },
      })
      assertClientError(response, value, [200])
    }),
    { numRuns: fuzzRuns },
  )
})

test('text no store can keep (NUL, unpaired surrogates) is a 400 naming the field, keys and queries included', async (t) => {
  const service = app()
  t.after(() => service.close())
  const cases: Array<[string, object | undefined, string, string]> = [
    ['/things', { name: 'a\u0000b' }, 'name', 'body'],
    ['/things', { name: 'a', address: { city: '\ud800' } }, 'address.city', 'body'],
    ['/things', { name: 'a', tags: ['ok', 'x\udc00'] }, 'tags.1', 'body'],
    ['/things', { name: 'a', 'k\u0000': 1 }, 'k\u0000', 'body'],
    ['/things?status=%00', { name: 'a' }, 'status', 'querystring'],
  ]
  for (const [url, payload, field, location] of cases) {
    const response = await service.inject({ method: 'POST', url, payload })
    assert.equal(response.statusCode, 400, response.body)
    const error = response.json().error
    assert.equal(error.code, 'VALIDATION_FAILED')
    assert.deepEqual(error.details[0], {
      field,
      rule: 'text',
      message: 'must not contain NUL characters or unpaired surrogates',
      location,
    })
  }
  // Paired surrogates (emoji) are ordinary text.
  const emoji = await service.inject({ method: 'POST', url: '/things', payload: { name: '👩‍👩‍👧‍👦' } })
  assert.equal(emoji.statusCode, 200, emoji.body)
})

test('numbers JSON or a store cannot hold are a 400: Infinity in a body, non-decimal querystring numbers', async (t) => {
  const service = app()
  service.post('/any', { schema: { body: Type.Object({ value: Type.Unknown() }, strict) } }, async () => ({ ok: 1 }))
  t.after(() => service.close())
  const json = { 'content-type': 'application/json' }
  const cases: Array<[string, string, string | undefined, string, string]> = [
    ['POST', '/any', '{"value":{"n":1e999}}', 'value.n', 'finite'],
    ['POST', '/any', '{"value":[-1e999]}', 'value.0', 'finite'],
    ['GET', '/things?limit=1e999', undefined, 'limit', 'type'],
    ['GET', '/things?limit=0x10', undefined, 'limit', 'type'],
    ['GET', '/things?limit=%205', undefined, 'limit', 'type'],
    ['GET', '/things?limit=1&limit=2', undefined, 'limit', 'type'],
  ]
  for (const [method, url, payload, field, rule] of cases) {
    const response = await service.inject({ method: method as 'GET', url, payload, headers: json })
    assert.equal(response.statusCode, 400, `${url} ${payload}: ${response.body}`)
    const details = response.json().error.details as Array<{ field: string; rule: string }>
    assert.ok(
      details.some((d) => d.field === field && d.rule === rule),
      `${url} ${payload}: ${response.body}`,
    )
  }
  const plain = await service.inject({ method: 'GET', url: '/things?limit=10' })
  assert.deepEqual(plain.json(), { query: { limit: 10 } })
})
