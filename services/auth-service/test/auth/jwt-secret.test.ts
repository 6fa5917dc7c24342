import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError } from '@grimos/service-kit'
import { resolveJwtSecret, secretFileFor } from '../../src/auth/jwt-secret.ts'
import { loadAuthEnv } from '../../src/options.ts'

test('production requires JWT_SECRET', async () => {
  const env = loadAuthEnv({ NODE_ENV: 'production' })
  await assert.rejects(
    resolveJwtSecret(env),
    (error: unknown) => error instanceof ConfigError && error.variable === 'JWT_SECRET',
  )
  assert.equal(await resolveJwtSecret({ ...env, JWT_SECRET: 'y'.repeat(40) }), 'y'.repeat(40))
})

test('development generates one secret per data dir, kept in a 0600 file', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'auth-secret-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  const env = loadAuthEnv({ NODE_ENV: 'development', AUTH_DATA_DIR: join(root, 'db') })
  const first = await resolveJwtSecret(env)
  assert.ok(first.length >= 32)
  assert.equal(await resolveJwtSecret(env), first)
  assert.equal((await stat(secretFileFor(env.AUTH_DATA_DIR))).mode & 0o777, 0o600)

  const other = await resolveJwtSecret({ ...env, AUTH_DATA_DIR: join(root, 'other-db') })
  assert.notEqual(other, first)
})
