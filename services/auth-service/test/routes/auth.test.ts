import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp, strongPassword, uniqueEmail } from '../support.ts'

// One app and database for the file; every test uses its own emails.
const shared = startTestApp({ after })

test('register: 201 with the user (no hash), one user_registered event with request metadata', async () => {
  const { call, outbox } = await shared
  const email = uniqueEmail('Reg')
  const response = await call('POST', '/auth/register', {
    body: { email, password: strongPassword, full_name: 'Grace Hopper' },
    headers: { 'x-request-id': 'req-register-1' },
  })
  assert.equal(response.status, 201)
  assert.deepEqual(Object.keys(response.body).sort(), [
    'created_at',
    'email',
    'email_verified',
    'full_name',
    'id',
    'is_active',
    'is_superuser',
    'roles',
    'updated_at',
  ])
  assert.equal(response.body.email, email)
  assert.equal(response.body.email_verified, false)

  const events = await outbox(response.body.id)
  assert.deepEqual(
    events.map((e) => e.event_type),
    ['user_registered'],
  )
  const event = events[0]!.payload
  assert.equal(event.user_id, response.body.id)
  assert.equal(event.data.email, email)
  assert.equal(event.data.registration_method, 'self_signup')
  assert.deepEqual(event.metadata, {
    source: 'auth-service',
    source_ip: '127.0.0.1',
    user_agent: 'auth-tests/1.0',
    request_id: 'req-register-1',
  })
})

test('a duplicate email (any case) is 409 AUTH_EMAIL_TAKEN and writes nothing', async () => {
  const { call, outbox, db } = await shared
  const email = uniqueEmail('dup')
  assert.equal(
    (await call('POST', '/auth/register', { body: { email, password: strongPassword, full_name: 'A' } })).status,
    201,
  )
  const before = await outbox()
  const again = await call('POST', '/auth/register', {
    body: { email: email.toUpperCase(), password: strongPassword, full_name: 'B' },
  })
  assert.equal(again.status, 409)
  assert.equal(again.body.error.code, 'AUTH_EMAIL_TAKEN')
  assert.equal(again.body.error.statusCode, 409)
  assert.equal((await outbox()).length, before.length)
  const [count] = await db.query<{ n: number }>('select count(*)::int as n from auth_users where lower(email) = $1', [
    email.toLowerCase(),
  ])
  assert.equal(count?.n, 1)
})

test('bad input: malformed JSON, missing fields, short password, oversized body', async () => {
  const { app, call, outbox } = await shared
  const before = (await outbox()).length
  const malformed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: { 'content-type': 'application/json' },
    payload: '{"email": "a@example.com", ',
  })
  assert.equal(malformed.statusCode, 400)
  assert.equal(malformed.json().error.code, 'BAD_JSON')

  const missing = await call('POST', '/auth/register', { body: { email: 'a@example.com' } })
  assert.equal(missing.status, 400)
  assert.equal(missing.body.error.code, 'VALIDATION_FAILED')
  assert.deepEqual(
    missing.body.error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`).sort(),
    ['full_name:required', 'password:required'],
  )

  const short = await call('POST', '/auth/register', {
    body: { email: 'a@example.com', password: 'short', full_name: 'A' },
  })
  assert.equal(short.status, 400)
  assert.deepEqual(short.body.error.details, [
    { field: 'password', rule: 'minLength', message: 'must NOT have fewer than 12 characters', location: 'body' },
  ])

  const badEmail = await call('POST', '/auth/register', {
    body: { email: 'nope', password: strongPassword, full_name: 'A' },
  })
  assert.equal(badEmail.body.error.details[0].field, 'email')

  const oversized = await call('POST', '/auth/register', {
    body: { email: 'a@example.com', password: strongPassword, full_name: 'x'.repeat(17 * 1024) },
  })
  assert.equal(oversized.status, 413)
  assert.equal(oversized.body.error.code, 'BODY_TOO_LARGE')
  assert.equal((await outbox()).length, before)
})

test('login: tokens on success; wrong password and unknown email get the same 401', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  assert.match(user.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/)

  const wrong = await call('POST', '/auth/login', { body: { email: user.email, password: 'not the password at all' } })
  const unknown = await call('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'whatever whatever' } })
  assert.equal(wrong.status, 401)
  assert.equal(unknown.status, 401)
  assert.equal(wrong.body.error.code, 'AUTH_INVALID_CREDENTIALS')
  assert.equal(wrong.body.error.message, unknown.body.error.message)

  const events = await outbox(user.id)
  assert.deepEqual(
    events.map((e) => [e.event_type, e.payload.data.outcome ?? null, e.payload.data.failure_reason ?? null]),
    [
      ['user_registered', null, null],
      ['user_login', 'success', null],
      ['user_login', 'failure', 'invalid_password'],
    ],
  )
  assert.equal(events[1]!.payload.data.login_method, 'password')
})

test('login is rate limited per address and email with 429 in the error shape', async (t) => {
  const { call, register } = await startTestApp(t, { loginRateLimit: { max: 3, windowMs: 60_000 } })
  const user = await register() // one successful login already counted
  const attempts = []
  for (let i = 0; i < 3; i++) {
    attempts.push(
      (await call('POST', '/auth/login', { body: { email: user.email, password: 'wrong password!' } })).status,
    )
  }
  assert.deepEqual(attempts, [401, 401, 429])
  const limited = await call('POST', '/auth/login', { body: { email: user.email, password: user.password } })
  assert.equal(limited.status, 429)
  assert.equal(limited.body.error.code, 'AUTH_RATE_LIMITED')
  // Another account from the same address is not locked out.
  const other = await call('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'whatever whatever' } })
  assert.equal(other.status, 401)
})

test('spaces and case around the email share one login bucket', async (t) => {
  const { call, register } = await startTestApp(t, { loginRateLimit: { max: 3, windowMs: 60_000 } })
  const user = await register() // one successful login already counted
  const variants = [`  ${user.email}`, `${user.email.toUpperCase()} `, `\t${user.email}\n`]
  const attempts = []
  for (const email of variants)
    attempts.push((await call('POST', '/auth/login', { body: { email, password: 'wrong password!' } })).status)
  assert.deepEqual(attempts, [401, 401, 429])
  // The right password with yet another spelling is refused too: it is the same account's bucket.
  const spaced = await call('POST', '/auth/login', { body: { email: ` ${user.email} `, password: user.password } })
  assert.equal(spaced.status, 429)
})

test('one address is limited across emails, so it cannot spray a password over many accounts', async (t) => {
  const { call, app } = await startTestApp(t, { loginRateLimit: { max: 2, windowMs: 60_000, perAddressMax: 4 } })
  const statuses = []
  for (let i = 0; i < 5; i++)
    statuses.push(
      (await call('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'Winter2025!' } })).status,
    )
  assert.deepEqual(statuses, [401, 401, 401, 401, 429])
  const limited = await call('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'Winter2025!' } })
  assert.equal(limited.body.error.code, 'AUTH_RATE_LIMITED')
  assert.match(limited.raw, /retry in \d+ s/)
  // Another address is not affected.
  const elsewhere = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: '192.0.2.7',
    payload: { email: uniqueEmail(), password: 'Winter2025!' },
  })
  assert.equal(elsewhere.statusCode, 401)
})

test('refresh is refused (401) once the account is deactivated', async () => {
  const { call, register, db, outbox } = await shared
  const user = await register()
  await db.query('update auth_users set is_active = false where id = $1', [user.id])
  const refused = await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })
  assert.equal(refused.status, 401)
  assert.equal(refused.body.error.code, 'AUTH_TOKEN_REVOKED')
  assert.equal(refused.body.error.statusCode, 401)
  const last = (await outbox(user.id)).at(-1)
  assert.deepEqual(
    [last?.event_type, last?.payload.data.login_method, last?.payload.data.failure_reason],
    ['user_login', 'refresh_token', 'account_inactive'],
  )
})

test('refresh rotates the refresh token; a reused one revokes the session', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  const first = await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })
  assert.equal(first.status, 200)
  assert.notEqual(first.body.refresh_token, user.refresh_token)
  assert.equal((await call('GET', '/users/me', { token: first.body.access_token })).status, 200)

  const reused = await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })
  assert.equal(reused.status, 401)
  assert.equal(reused.body.error.code, 'AUTH_TOKEN_REVOKED')
  // The thief's copy and the owner's newer tokens both stop working.
  assert.equal((await call('POST', '/auth/refresh', { body: { refresh_token: first.body.refresh_token } })).status, 401)
  assert.equal((await call('GET', '/users/me', { token: first.body.access_token })).status, 401)

  const access = await call('POST', '/auth/refresh', { body: { refresh_token: user.access_token } })
  assert.equal(access.body.error.code, 'AUTH_TOKEN_INVALID')

  const logins = (await outbox(user.id)).filter((e) => e.event_type === 'user_login').map((e) => e.payload.data)
  assert.deepEqual(
    logins.map((d) => [d.login_method, d.outcome, d.failure_reason]),
    [
      ['password', 'success', null],
      ['refresh_token', 'success', null],
      ['refresh_token', 'failure', 'refresh_token_reused'],
    ],
  )
})

test('logout revokes the access and refresh tokens and publishes user_logout', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  const other = await call('POST', '/auth/login', { body: { email: user.email, password: user.password } })

  const response = await call('POST', '/auth/logout', { token: user.access_token })
  assert.equal(response.status, 204)
  const after = await call('GET', '/users/me', { token: user.access_token })
  assert.equal(after.status, 401)
  assert.equal(after.body.error.code, 'AUTH_TOKEN_REVOKED')
  assert.equal((await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })).status, 401)
  assert.equal((await call('POST', '/auth/logout', { token: user.access_token })).status, 401)
  // Other sessions live on.
  assert.equal((await call('GET', '/users/me', { token: other.body.access_token })).status, 200)

  const events = await outbox(user.id)
  assert.deepEqual(
    events.map((e) => e.event_type),
    ['user_registered', 'user_login', 'user_login', 'user_logout'],
  )
  assert.equal(events[3]!.payload.data.all_sessions, false)
  assert.equal(typeof events[3]!.payload.data.session_id, 'string')
})
