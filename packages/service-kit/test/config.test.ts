import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import { ConfigError, loadEnvConfig } from '../src/config.ts'

const schema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535 }),
  HOST: Type.String({ minLength: 1 }),
  DEBUG: Type.Boolean(),
  API_SECRET: Type.String({ minLength: 8 }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres' })),
})
const defaults = { PORT: 3001, HOST: '127.0.0.1', DEBUG: false }

test('fills defaults, converts strings and treats empty as unset', () => {
  const config = loadEnvConfig(schema, defaults, { PORT: '8080', DEBUG: 'true', API_SECRET: 'x'.repeat(8), HOST: '' })
  assert.deepEqual(config, { PORT: 8080, HOST: '127.0.0.1', DEBUG: true, API_SECRET: 'xxxxxxxx' })
})

test('fails with one line naming the variable, never echoing a secret', () => {
  assert.throws(
    () => loadEnvConfig(schema, defaults, { PORT: 'eighty', API_SECRET: 'x'.repeat(8) }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.variable === 'PORT' &&
      /^invalid configuration: PORT .*"eighty"/.test(error.message),
  )
  assert.throws(
    () => loadEnvConfig(schema, defaults, {}),
    (error: unknown) =>
      error instanceof ConfigError && error.message === 'invalid configuration: API_SECRET is required',
  )
  assert.throws(
    () => loadEnvConfig(schema, defaults, { API_SECRET: 'tiny' }),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === 'API_SECRET' && !error.message.includes('tiny'),
  )
})
