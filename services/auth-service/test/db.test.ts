import assert from 'node:assert/strict'
import { test } from 'node:test'
import { databaseUrl } from '../../../test/support/index.ts'
import { authMigrations, migrateAuthSchema, openAuthDatabase } from '../src/db.ts'
import { startTestApp, strongPassword, uniqueEmail } from './support.ts'

// The same migrations and flows on a real PostgreSQL, in a schema of its own that is dropped afterwards.
const schema = `auth_test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`

test('on PostgreSQL: migrations are idempotent and concurrent duplicate registrations yield one account', async (t) => {
  const { call, db, outbox } = await startTestApp(t, {}, { url: databaseUrl, schema })
  t.after(async () => {
    const admin = await openAuthDatabase({ url: databaseUrl, schema: 'public' }).catch(() => undefined)
    await admin?.exec(`drop schema if exists "${schema}" cascade`)
    await admin?.close()
  })
  assert.equal(db.engine, 'postgres')
  await migrateAuthSchema(db)
  const applied = await db.query<{ id: string }>('select id from auth_migrations order by id')
  assert.deepEqual(
    applied.map((row) => row.id),
    authMigrations.map((m) => m.id),
  )

  const email = uniqueEmail('race')
  const attempts = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      call('POST', '/auth/register', { body: { email, password: strongPassword, full_name: `Racer ${i}` } }),
    ),
  )
  assert.deepEqual(attempts.map((a) => a.status).sort(), [201, 409, 409, 409])
  const events = await outbox()
  assert.deepEqual(
    events.map((e) => e.event_type),
    ['user_registered'],
  )
})
