import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from 'typebox'
import { ConfigError, DEV_ONLY_SECRET_MARKER, developmentSecretsIn, loadEnvConfig } from '../src/config.ts'

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

test('a public dev-only default secret is refused in production and named elsewhere', () => {
  const withNodeEnv = Type.Object({
    NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production')]),
    API_SECRET: Type.String({ minLength: 8 }),
  })
  const env = {
    NODE_ENV: 'production',
    API_SECRET: `${DEV_ONLY_SECRET_MARKER}-api-secret`,
    // Not in the schema, read by the library: still a secret of this process.
    KAFKA_SASL_PASSWORD: `${DEV_ONLY_SECRET_MARKER}-kafka-admin`,
    GREETING: `${DEV_ONLY_SECRET_MARKER} is fine in a variable that is no secret`,
  }
  assert.throws(
    () => loadEnvConfig(withNodeEnv, {}, env),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.variable === 'API_SECRET, KAFKA_SASL_PASSWORD' &&
      error.message.includes('NODE_ENV=production') &&
      !error.message.includes('-api-secret'),
  )
  const development = loadEnvConfig(withNodeEnv, {}, { ...env, NODE_ENV: 'development' })
  assert.equal(development.NODE_ENV, 'development')
  assert.deepEqual(developmentSecretsIn(env), ['API_SECRET', 'KAFKA_SASL_PASSWORD'])
  assert.deepEqual(developmentSecretsIn({ API_SECRET: 'a-real-one', NODE_ENV: 'production' }), [])
})
