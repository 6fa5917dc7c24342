import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp } from './support.ts'

const shared = startTestApp({ after })

test('OpenAPI is served at /docs and documents every endpoint', async () => {
  const { app } = await shared
  const ui = await app.inject({ url: '/docs' })
  assert.ok([200, 302].includes(ui.statusCode))
  const spec = (await app.inject({ url: '/docs/json' })).json()
  assert.equal(spec.openapi.startsWith('3.'), true)
  const operations = Object.entries(spec.paths as Record<string, object>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  )
  for (const expected of [
    'POST /api/v1/auth/register',
    'POST /api/v1/auth/login',
    'POST /api/v1/auth/refresh',
    'POST /api/v1/auth/logout',
    'GET /api/v1/users/me',
    'PATCH /api/v1/users/me',
    'DELETE /api/v1/users/me',
    'POST /api/v1/users/me/password',
    'POST /api/v1/users/me/email-verification',
    'POST /api/v1/users/email-verification/confirm',
  ]) {
    assert.ok(operations.includes(expected), expected)
  }
  assert.ok(spec.components.securitySchemes.bearerAuth)
})

test('health probes and unknown routes', async () => {
  const { app } = await shared
  assert.deepEqual((await app.inject({ url: '/health/live' })).json(), { status: 'ok' })
  assert.deepEqual((await app.inject({ url: '/health/ready' })).json(), { status: 'ok', checks: { database: true } })
  const missing = await app.inject({ url: '/api/v1/nothing' })
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().error.code, 'NOT_FOUND')
})

test('no response, log line or event ever holds a password or its hash', async () => {
  const { call, register, logs, bodies, db, outbox } = await shared
  const hashes: string[] = []
  const collectHashes = async () => {
    const rows = await db.query<{ password_hash: string }>(
      "select password_hash from auth_users where password_hash <> ''",
    )
    hashes.push(...rows.map((row) => row.password_hash))
  }
  const user = await register({ password: 'pw-canary-0123456789' })
  await collectHashes()
  await call('POST', '/auth/login', { body: { email: user.email, password: 'pw-canary-wrong-9876543' } })
  await call('POST', '/users/me/password', {
    token: user.access_token,
    body: { current_password: user.password, new_password: 'pw-canary-new-55555555' },
  })
  await collectHashes()
  await call('POST', '/auth/register', {
    body: { email: user.email, password: 'pw-canary-dup-4444444', full_name: 'X' },
  })
  await call('DELETE', '/users/me', { token: user.access_token, body: { password: 'pw-canary-new-55555555' } })

  assert.ok(hashes.length >= 2)
  const events = JSON.stringify(await outbox())
  const everything = [...logs, ...bodies, events].join('\n')
  assert.ok(logs.length > 10, 'the app logged at debug level')
  assert.doesNotMatch(everything, /pw-canary/)
  assert.doesNotMatch(everything, /\$argon2id\$/)
  for (const hash of hashes) assert.ok(!everything.includes(hash))
})

test('/metrics serves Prometheus text with the process metrics, labelled by service', async () => {
  const { app } = await shared
  const response = await app.inject({ url: '/metrics' })
  assert.equal(response.statusCode, 200)
  assert.match(response.headers['content-type'] as string, /text\/plain/)
  assert.match(response.body, /process_cpu_user_seconds_total\{service="auth-service"\}/)
})
