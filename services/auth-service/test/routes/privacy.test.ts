import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { startTestApp, strongPassword, uniqueEmail } from '../support.ts'

const shared = startTestApp({ after })

test('.invalid addresses cannot be registered, in any case or spelling (400 AUTH_EMAIL_RESERVED)', async () => {
  const { call, outbox } = await shared
  const before = (await outbox()).length
  for (const email of [
    `deleted+${randomUUID()}@deleted.invalid`,
    `DELETED+${randomUUID()}@Deleted.INVALID`,
    'someone@example.invalid',
    'someone@sub.deleted.invalid',
  ]) {
    const response = await call('POST', '/auth/register', { body: { email, password: strongPassword, full_name: 'X' } })
    assert.equal(response.status, 400, email)
    assert.equal(response.body.error.code, 'AUTH_EMAIL_RESERVED', email)
  }
  // A domain that merely contains the word is an ordinary address.
  const fine = await call('POST', '/auth/register', {
    body: {
      email: uniqueEmail('invalid').replace('example.com', 'invalid.example.com'),
      password: strongPassword,
      full_name: 'Y',
    },
  })
  assert.equal(fine.status, 201)
  assert.equal((await outbox()).length, before + 1)
})

test("registering a user's deletion placeholder first cannot break that user's DELETE /users/me", async () => {
  const { call, register, db } = await shared
  const victim = await register()
  const placeholder = `deleted+${victim.id}@deleted.invalid`

  // The attack over HTTP is refused outright.
  const attack = await call('POST', '/auth/register', {
    body: { email: placeholder, password: strongPassword, full_name: 'Mallory' },
  })
  assert.equal(attack.status, 400)
  assert.equal(attack.body.error.code, 'AUTH_EMAIL_RESERVED')
  const moved = await call('PATCH', '/users/me', {
    token: (await register()).access_token,
    body: { email: placeholder.toUpperCase(), current_password: strongPassword },
  })
  assert.equal(moved.status, 400)
  assert.equal(moved.body.error.code, 'AUTH_EMAIL_RESERVED')

  // An account that took the address before the check existed (written directly, as old data would be) holds it
  // live: the deletion must still succeed, because deleted rows are outside the unique index.
  await db.query(`insert into auth_users (id, email, password_hash, full_name) values ($1::uuid, $2, 'x', 'Mallory')`, [
    randomUUID(),
    placeholder,
  ])
  const deleted = await call('DELETE', '/users/me', { token: victim.access_token, body: { password: victim.password } })
  assert.equal(deleted.status, 204, deleted.raw)
  const rows = await db.query<{ deleted: boolean }>(
    'select deleted_at is not null as deleted from auth_users where lower(email) = lower($1) order by deleted',
    [placeholder],
  )
  assert.deepEqual(
    rows.map((r) => r.deleted),
    [false, true],
  )
})

test('deletion also drops the outbox copies of the user events already sent; the user_deleted stays pending', async () => {
  const { call, register, db, outbox } = await shared
  const user = await register()
  // The relay is not running in these tests: mark the earlier rows sent as it would.
  await db.query(`update grimos_outbox set status = 'sent', sent_at = now() where message_key = $1`, [user.id])
  const other = await register()
  await db.query(`update grimos_outbox set status = 'sent', sent_at = now() where message_key = $1`, [other.id])

  const deleted = await call('DELETE', '/users/me', { token: user.access_token, body: { password: user.password } })
  assert.equal(deleted.status, 204)
  const left = await db.query<{ event_type: string; status: string }>(
    'select event_type, status from grimos_outbox where message_key = $1 order by id',
    [user.id],
  )
  assert.deepEqual(left, [{ event_type: 'user_deleted', status: 'pending' }])
  assert.equal((await outbox(other.id)).length, 2, "another user's rows are untouched")
})
