import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '@grimos/service-kit'
import { loadServiceConfig, resolveOperatorToken } from '../src/options.ts'

test('defaults: loopback, port 3002, the catalog topic, development', () => {
  const config = loadServiceConfig({})
  assert.equal(config.HOST, '127.0.0.1')
  assert.equal(config.PORT, 3002)
  assert.equal(config.USER_EVENTS_TOPIC, 'grimos.user-events')
  assert.equal(config.NODE_ENV, 'development')
  assert.equal(config.DATABASE_URL, undefined)
})

test('an invalid variable is one line naming it; secrets are not echoed', () => {
  assert.throws(
    () => loadServiceConfig({ PORT: 'eighty' }),
    (error: Error) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /^invalid configuration: PORT /)
      assert.doesNotMatch(error.message, /\n/)
      return true
    },
  )
  assert.throws(
    () => loadServiceConfig({ OPERATOR_TOKEN: 'short-secret' }),
    (error: Error) => /OPERATOR_TOKEN/.test(error.message) && !error.message.includes('short-secret'),
  )
  assert.throws(() => loadServiceConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/)
})

test('the operator token is required in production and generated elsewhere', () => {
  assert.throws(() => resolveOperatorToken({ NODE_ENV: 'production' }), /OPERATOR_TOKEN is required/)
  const given = resolveOperatorToken({ NODE_ENV: 'production', OPERATOR_TOKEN: 'x'.repeat(32) })
  assert.deepEqual(given, { token: 'x'.repeat(32), generated: false })
  const made = resolveOperatorToken({ NODE_ENV: 'development' })
  assert.equal(made.generated, true)
  assert.ok(made.token.length >= 32)
  assert.notEqual(resolveOperatorToken({ NODE_ENV: 'test' }).token, made.token, 'a new one per run')
})

test('the audit log retention defaults to 90 days, swept hourly; zero days is refused', () => {
  const config = loadServiceConfig({})
  assert.equal(config.AUDIT_LOG_RETENTION_DAYS, 90)
  assert.equal(config.AUDIT_LOG_PRUNE_INTERVAL_MS, 3_600_000)
  assert.equal(loadServiceConfig({ AUDIT_LOG_RETENTION_DAYS: '400' }).AUDIT_LOG_RETENTION_DAYS, 400)
  assert.throws(() => loadServiceConfig({ AUDIT_LOG_RETENTION_DAYS: '0' }), /AUDIT_LOG_RETENTION_DAYS/)
})
