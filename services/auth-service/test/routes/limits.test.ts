import assert from 'node:assert/strict'
import { test } from 'node:test'
import { databaseUrl } from '../../../../test/support/index.ts'
import { pruneExpiredLimits } from '../../src/auth/rate-limits.ts'
import { openAuthDatabase } from '../../src/db.ts'
import { startTestApp, strongPassword, uniqueEmail } from '../support.ts'

const register = (email = uniqueEmail('limit')) => ({ email, password: strongPassword, full_name: 'Limit' })

test('registration is rate-limited per client address with 429 and Retry-After', async (t) => {
  const { app, call } = await startTestApp(t, { registrationRateLimit: { max: 2, windowMs: 60_000 } })
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await call('POST', '/auth/register', { body: register() })).status)
  assert.deepEqual(statuses, [201, 201, 429])
  const limited = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: register() })
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.json().error.code, 'AUTH_RATE_LIMITED')
  assert.match(limited.headers['retry-after'] as string, /^\d+$/)
  // Another address has its own budget.
  const elsewhere = (payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/register', remoteAddress: '192.0.2.9', payload })
  assert.equal((await elsewhere(register())).statusCode, 201)
})

test('behind a trusted proxy (CIDR list) the limits key on the forwarded client address', async (t) => {
  const { app, outbox } = await startTestApp(t, {
    trustProxy: ['127.0.0.1/32'],
    registrationRateLimit: { max: 1, windowMs: 60_000 },
  })
  const via = (client: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-forwarded-for': client },
      payload: register(),
    })
  const first = await via('198.51.100.1')
  assert.equal(first.statusCode, 201)
  assert.equal((await via('198.51.100.1')).statusCode, 429)
  assert.equal((await via('198.51.100.2')).statusCode, 201, 'another client behind the same proxy has its own budget')
  const [event] = await outbox(first.json().id)
  assert.equal(event?.payload.metadata.source_ip, '198.51.100.1')

  // A peer outside the list cannot name its own address: the header is ignored and the socket address counts.
  const spoof = (client: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      remoteAddress: '203.0.113.50',
      headers: { 'x-forwarded-for': client },
      payload: register(),
    })
  assert.equal((await spoof('198.51.100.77')).statusCode, 201)
  assert.equal((await spoof('198.51.100.78')).statusCode, 429)
})

test('a hop count believes exactly that many proxies', async (t) => {
  const { app, outbox } = await startTestApp(t, { trustProxy: 1 })
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: { 'x-forwarded-for': '203.0.113.1, 198.51.100.20' },
    payload: register(),
  })
  assert.equal(response.statusCode, 201)
  const [event] = await outbox(response.json().id)
  // The nearest proxy's view of its client; the left-most entry is whatever the client wrote.
  assert.equal(event?.payload.metadata.source_ip, '198.51.100.20')
})

test('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot rotate addresses to dodge the limit', async (t) => {
  const { app } = await startTestApp(t, { registrationRateLimit: { max: 1, windowMs: 60_000 } })
  const statuses = []
  for (const client of ['198.51.100.1', '198.51.100.2']) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-forwarded-for': client },
      payload: register(),
    })
    statuses.push(response.statusCode)
  }
  assert.deepEqual(statuses, [201, 429])
})

test('on PostgreSQL, two instances share the login and registration counters', async (t) => {
  const schema = `auth_limits_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`
  t.after(async () => {
    const admin = await openAuthDatabase({ url: databaseUrl, schema: 'public' })
    await admin.exec(`drop schema if exists "${schema}" cascade`)
    await admin.close()
  })
  const settings = {
    loginRateLimit: { max: 3, windowMs: 60_000 },
    registrationRateLimit: { max: 3, windowMs: 60_000 },
  }
  const a = await startTestApp(t, settings, { url: databaseUrl, schema })
  const b = await startTestApp(t, settings, { url: databaseUrl, schema })
  assert.equal(a.db.engine, 'postgres')

  const user = await a.register() // one registration and one login counted
  const wrong = { email: user.email, password: 'wrong password!' }
  const logins = [
    (await b.call('POST', '/auth/login', { body: wrong })).status,
    (await a.call('POST', '/auth/login', { body: wrong })).status,
    (await b.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status,
  ]
  assert.deepEqual(logins, [401, 401, 429])

  // Concurrent registrations on both instances: the atomic upsert lets exactly the budget through.
  const attempts = await Promise.all(
    [a, b, a, b].map((instance) => instance.call('POST', '/auth/register', { body: register() })),
  )
  assert.deepEqual(attempts.map((r) => r.status).sort(), [201, 201, 429, 429])

  // Counters hold no address or email in clear.
  const buckets = await a.db.query<{ bucket: string }>('select bucket from auth_rate_limits')
  assert.ok(buckets.length >= 3)
  for (const { bucket } of buckets) assert.doesNotMatch(bucket, /127\.0\.0\.1|@/)
})

test('ended windows start again and are pruned', async (t) => {
  const { call, db } = await startTestApp(t, { registrationRateLimit: { max: 1, windowMs: 1_000 } })
  assert.equal((await call('POST', '/auth/register', { body: register() })).status, 201)
  assert.equal((await call('POST', '/auth/register', { body: register() })).status, 429)
  await db.query(`update auth_rate_limits set expires_at = now() - interval '1 second'`)
  assert.equal((await call('POST', '/auth/register', { body: register() })).status, 201)
  await db.query(`update auth_rate_limits set expires_at = now() - interval '1 second'`)
  assert.ok((await pruneExpiredLimits(db)) >= 1)
  assert.deepEqual(await db.query('select 1 from auth_rate_limits'), [])
})
