import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { Type } from 'typebox'
import { createServiceApp } from '../src/app.ts'

function captureLogs() {
  const stream = new PassThrough()
  const lines: string[] = []
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)))
  return { stream, lines }
}

test('echoes a sane incoming x-request-id and generates one otherwise', async (t) => {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  t.after(() => app.close())
  app.get('/ping', async (request) => ({ id: request.id }))

  const given = await app.inject({ url: '/ping', headers: { 'x-request-id': 'abc-123' } })
  assert.equal(given.headers['x-request-id'], 'abc-123')
  assert.equal(given.json().id, 'abc-123')

  const generated = await app.inject({ url: '/ping' })
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/)

  const hostile = await app.inject({ url: '/ping', headers: { 'x-request-id': 'a\nb'.repeat(3) } })
  assert.notEqual(hostile.headers['x-request-id'], 'a\nb'.repeat(3))
})

test('validates TypeBox bodies with formats and rejects oversized ones', async (t) => {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' }, bodyLimit: 64 })
  t.after(() => app.close())
  const body = Type.Object({ email: Type.String({ format: 'email' }) }, { additionalProperties: false })
  app.post('/items', { schema: { body } }, async (req) => ({ email: req.body.email }))

  const ok = await app.inject({ method: 'POST', url: '/items', payload: { email: 'a@example.com' } })
  assert.equal(ok.statusCode, 200)
  const bad = await app.inject({ method: 'POST', url: '/items', payload: { email: 'nope' } })
  assert.equal(bad.statusCode, 400)
  assert.deepEqual(bad.json().error.details, [
    { field: 'email', rule: 'format', message: 'must match format "email"', location: 'body' },
  ])
  const big = await app.inject({ method: 'POST', url: '/items', payload: { email: `${'a'.repeat(100)}@example.com` } })
  assert.equal(big.statusCode, 413)
  assert.equal(big.json().error.code, 'BODY_TOO_LARGE')
})

test('logs redact authorization headers, cookies and secret fields at any depth', async (t) => {
  const { stream, lines } = captureLogs()
  const app = createServiceApp({ name: 'test', logger: { level: 'info', stream } })
  t.after(() => app.close())
  const strict = { additionalProperties: false }
  const body = Type.Object(
    {
      email: Type.String(),
      password: Type.String(),
      nested: Type.Object({ refresh_token: Type.String() }, strict),
    },
    strict,
  )
  app.post('/login', { schema: { body } }, async (request, reply) => {
    // The three places a handler puts headers: at the top, one level down (an upstream call it describes),
    // and a response's set-cookie.
    request.log.info({ body: request.body, headers: request.headers }, 'attempt')
    request.log.info({ upstream: { headers: { authorization: 'Bearer sekrit-upstream' } } }, 'upstream')
    request.log.info(
      { response: { headers: { 'set-cookie': 'sid=sekrit-set-cookie' } }, headers: { 'set-cookie': 'sekrit-top' } },
      'reply',
    )
    reply.header('set-cookie', 'sid=sekrit-reply-cookie')
    return { ok: true }
  })
  await app.inject({
    method: 'POST',
    url: '/login',
    headers: { authorization: 'Bearer sekrit-token-value', cookie: 'sid=sekrit-cookie', 'x-api-key': 'sekrit-key' },
    payload: { email: 'a@example.com', password: 'hunter2-hunter2', nested: { refresh_token: 'sekrit-refresh' } },
  })
  const text = lines.join('\n')
  assert.match(text, /attempt/)
  assert.match(text, /a@example\.com/)
  const secrets = [
    'sekrit-token-value',
    'sekrit-cookie',
    'sekrit-key',
    'hunter2',
    'sekrit-refresh',
    'sekrit-upstream',
    'sekrit-set-cookie',
    'sekrit-top',
    'sekrit-reply-cookie',
  ]
  for (const secret of secrets) assert.doesNotMatch(text, new RegExp(secret), `${secret} was logged`)
  const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'attempt')
  assert.equal(line.name, 'test')
  assert.equal(typeof line.request_id, 'string')
  // The headers are still logged, censored: redaction replaced the value rather than dropping the line.
  assert.equal(line.headers.authorization, '[REDACTED]')
  assert.equal(line.headers.cookie, '[REDACTED]')
})

test('a logged database error does not carry its bound values', async (t) => {
  const { stream, lines } = captureLogs()
  const app = createServiceApp({ name: 'test', logger: { level: 'info', stream } })
  t.after(() => app.close())
  app.get('/fail', async () => {
    throw Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      params: ['$argon2id$v=19$secret-hash'],
      parameters: ['$argon2id$v=19$secret-hash'],
      detail: 'Key (lower(email))=(ada@example.com) already exists.',
    })
  })
  const response = await app.inject({ url: '/fail' })
  assert.equal(response.statusCode, 500)
  const text = lines.join('\n')
  assert.match(text, /duplicate key/)
  assert.doesNotMatch(text, /secret-hash/)
  assert.doesNotMatch(text, /ada@example\.com/)
})

test('camelCase secrets, header credentials and secrets in nested config objects are redacted too', async (t) => {
  const { stream, lines } = captureLogs()
  const app = createServiceApp({ name: 'test', logger: { level: 'info', stream } })
  t.after(() => app.close())
  app.log.info(
    {
      settings: { jwtSecret: 'sekrit-jwt', operatorToken: 'sekrit-operator' },
      user: { passwordHash: '$argon2id$sekrit-hash', accessToken: 'sekrit-access', refreshToken: 'sekrit-refresh' },
      upstream: {
        headers: { 'set-cookie': 'sid=sekrit-set', 'x-api-key': 'sekrit-key', authorization: 'sekrit-auth' },
      },
      authorization: 'sekrit-top',
    },
    'config',
  )
  const text = lines.join('\n')
  assert.match(text, /config/)
  assert.doesNotMatch(text, /sekrit/)
})
