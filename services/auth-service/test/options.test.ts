import assert from 'node:assert/strict'
import { isAbsolute } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from '@grimos/service-kit'
import { loadAuthEnv, repositoryRoot, settingsFrom } from '../src/options.ts'

test('defaults: 127.0.0.1:3001, PGlite under the repository root, 15 min / 7 day tokens', () => {
  const env = loadAuthEnv({})
  assert.equal(env.HOST, '127.0.0.1')
  assert.equal(env.PORT, 3001)
  assert.equal(env.DATABASE_URL, undefined)
  assert.ok(isAbsolute(env.AUTH_DATA_DIR))
  assert.equal(env.AUTH_DATA_DIR, `${repositoryRoot}/.grimos/auth-service/db`)
  const settings = settingsFrom(env, 's'.repeat(32))
  assert.equal(settings.accessTokenTtlSeconds, 900)
  assert.equal(settings.refreshTokenTtlSeconds, 604_800)
  assert.equal(settings.exposeVerificationToken, true)
  assert.equal(settingsFrom(loadAuthEnv({ NODE_ENV: 'production' }), 's'.repeat(32)).exposeVerificationToken, false)
})

test('a bad variable fails at once with one line naming it', () => {
  for (const [env, variable] of [
    [{ PORT: 'http' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
  ] as const) {
    assert.throws(
      () => loadAuthEnv(env),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === variable &&
        error.message.startsWith(`invalid configuration: ${variable} `) &&
        !error.message.includes('\n') &&
        !error.message.includes('short'),
      variable,
    )
  }
})

test('login limits: per address across emails defaults to 10 x the per-account limit and can be set', () => {
  const secret = 's'.repeat(32)
  assert.deepEqual(settingsFrom(loadAuthEnv({}), secret).loginRateLimit, {
    max: 5,
    windowMs: 60_000,
    perAddressMax: 50,
  })
  assert.equal(settingsFrom(loadAuthEnv({ LOGIN_RATE_LIMIT_MAX: '7' }), secret).loginRateLimit.perAddressMax, 70)
  const set = loadAuthEnv({ LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: '200' })
  assert.equal(settingsFrom(set, secret).loginRateLimit.perAddressMax, 200)
  assert.throws(() => loadAuthEnv({ LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: '0' }), /LOGIN_RATE_LIMIT_PER_ADDRESS_MAX/)
})

test('TRUST_PROXY: off by default, a hop count or a list of proxy CIDRs; "true" is refused with one line', () => {
  const secret = 's'.repeat(32)
  const trust = (value?: string) => settingsFrom(loadAuthEnv({ TRUST_PROXY: value }), secret).trustProxy
  assert.equal(trust(), false)
  assert.equal(trust('false'), false)
  assert.equal(trust('0'), false)
  assert.equal(trust('2'), 2)
  assert.deepEqual(trust('10.0.0.0/8, 192.168.1.10,fd00::/8'), ['10.0.0.0/8', '192.168.1.10', 'fd00::/8'])
  for (const [value, pattern] of [
    ['true', /never "true"/],
    ['*', /never "true"/],
    ['11', /hop count/],
    ['10.0.0.0/0', /neither an IP address nor a CIDR/],
    ['10.0.0.0/33', /neither/],
    ['proxy.internal', /neither/],
    ['10.0.0.1,', /neither/],
  ] as const) {
    assert.throws(
      () => loadAuthEnv({ TRUST_PROXY: value }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === 'TRUST_PROXY' &&
        pattern.test(error.message) &&
        !error.message.includes('\n'),
      value,
    )
  }
})

test('registration limit: 5 per hour per address by default, settable', () => {
  const secret = 's'.repeat(32)
  assert.deepEqual(settingsFrom(loadAuthEnv({}), secret).registrationRateLimit, { max: 5, windowMs: 3_600_000 })
  const set = loadAuthEnv({ REGISTRATION_RATE_LIMIT_MAX: '20', REGISTRATION_RATE_LIMIT_WINDOW_MS: '60000' })
  assert.deepEqual(settingsFrom(set, secret).registrationRateLimit, { max: 20, windowMs: 60_000 })
})
