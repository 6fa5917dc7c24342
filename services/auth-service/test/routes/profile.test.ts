import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp, uniqueEmail } from '../support.ts'

const shared = startTestApp({ after })

test('GET /users/me answers the user without any secret', async () => {
  const { call, register } = await shared
  const user = await register()
  const me = await call('GET', '/users/me', { token: user.access_token })
  assert.equal(me.status, 200)
  assert.equal(me.body.id, user.id)
  assert.equal(me.body.full_name, 'Ada Lovelace')
  assert.doesNotMatch(me.raw, /password|argon2/)

  const anonymous = await call('GET', '/users/me')
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.body.error.code, 'AUTH_TOKEN_MISSING')
})

test('PATCH /users/me publishes user_updated with the changed fields; an email change resets verification', async () => {
  const { call, register, outbox, db } = await shared
  const user = await register()
  await db.query('update auth_users set email_verified_at = now() where id = $1::uuid', [user.id])

  const newEmail = uniqueEmail('moved')
  const both = await call('PATCH', '/users/me', {
    token: user.access_token,
    body: { full_name: 'Ada King', email: newEmail, current_password: user.password },
  })
  assert.equal(both.status, 200)
  assert.equal(both.body.email, newEmail)
  assert.equal(both.body.full_name, 'Ada King')
  assert.equal(both.body.email_verified, false)

  const nameOnly = await call('PATCH', '/users/me', { token: user.access_token, body: { full_name: 'Countess' } })
  assert.equal(nameOnly.status, 200)
  const same = await call('PATCH', '/users/me', { token: user.access_token, body: { full_name: 'Countess' } })
  assert.equal(same.status, 200)

  const updates = (await outbox(user.id)).filter((e) => e.event_type === 'user_updated').map((e) => e.payload.data)
  assert.deepEqual(
    updates.map((d) => d.changed_fields),
    [['email', 'full_name'], ['full_name']],
  )
  assert.equal(updates[0].email, newEmail)

  const empty = await call('PATCH', '/users/me', { token: user.access_token, body: {} })
  assert.equal(empty.status, 400)
  assert.equal(empty.body.error.code, 'VALIDATION_FAILED')
})

test('PATCH to an email another account has is 409 and publishes nothing', async () => {
  const { call, register, outbox } = await shared
  const first = await register()
  const second = await register()
  const before = (await outbox(second.id)).length
  const taken = await call('PATCH', '/users/me', {
    token: second.access_token,
    body: { email: first.email.toUpperCase(), current_password: second.password },
  })
  assert.equal(taken.status, 409)
  assert.equal(taken.body.error.code, 'AUTH_EMAIL_TAKEN')
  assert.equal((await outbox(second.id)).length, before)
  assert.equal((await call('GET', '/users/me', { token: second.access_token })).body.email, second.email)
})

test('DELETE /users/me needs the password, anonymizes, revokes every session and frees the email', async () => {
  const { call, register, outbox, db } = await shared
  const user = await register()

  const wrong = await call('DELETE', '/users/me', { token: user.access_token, body: { password: 'not my password' } })
  assert.equal(wrong.status, 403)
  assert.equal(wrong.body.error.code, 'AUTH_PASSWORD_INCORRECT')

  const deleted = await call('DELETE', '/users/me', {
    token: user.access_token,
    body: { password: user.password, reason: 'moving on' },
  })
  assert.equal(deleted.status, 204)
  assert.equal((await call('GET', '/users/me', { token: user.access_token })).status, 401)
  assert.equal((await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })).status, 401)
  assert.equal(
    (await call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status,
    401,
  )

  const [row] = await db.query<{ email: string; full_name: string | null; password_hash: string }>(
    'select email, full_name, password_hash from auth_users where id = $1::uuid',
    [user.id],
  )
  assert.equal(row?.email, `deleted+${user.id}@deleted.invalid`)
  assert.equal(row?.full_name, null)
  assert.equal(row?.password_hash, '')

  const events = await outbox(user.id)
  const last = events.at(-1)!.payload
  assert.equal(last.event_type, 'user_deleted')
  assert.deepEqual(
    [last.data.email, last.data.is_active, last.data.deleted_by, last.data.reason],
    [user.email, false, 'self', 'moving on'],
  )

  const again = await call('POST', '/auth/register', {
    body: { email: user.email, password: user.password, full_name: 'New Ada' },
  })
  assert.equal(again.status, 201)
})

test('an email change needs the current password and logs out every other session', async () => {
  const { call, register, login, outbox } = await shared
  const user = await register()
  const otherSession = await login(user.email, user.password)
  const newEmail = uniqueEmail('moved')

  const without = await call('PATCH', '/users/me', { token: user.access_token, body: { email: newEmail } })
  assert.equal(without.status, 400)
  assert.equal(without.body.error.code, 'AUTH_PASSWORD_REQUIRED')
  const wrong = await call('PATCH', '/users/me', {
    token: user.access_token,
    body: { email: newEmail, current_password: 'not my password' },
  })
  assert.equal(wrong.status, 403)
  assert.equal(wrong.body.error.code, 'AUTH_PASSWORD_INCORRECT')
  assert.equal((await call('GET', '/users/me', { token: otherSession.access_token })).status, 200)
  assert.equal((await outbox(user.id)).filter((e) => e.event_type === 'user_updated').length, 0)

  const moved = await call('PATCH', '/users/me', {
    token: user.access_token,
    body: { email: newEmail, current_password: user.password },
  })
  assert.equal(moved.status, 200)
  assert.equal(moved.body.email, newEmail)
  // This session goes on; the other one (access and refresh token) is revoked.
  assert.equal((await call('GET', '/users/me', { token: user.access_token })).status, 200)
  const revoked = await call('GET', '/users/me', { token: otherSession.access_token })
  assert.equal(revoked.status, 401)
  assert.equal(revoked.body.error.code, 'AUTH_TOKEN_REVOKED')
  assert.equal(
    (await call('POST', '/auth/refresh', { body: { refresh_token: otherSession.refresh_token } })).status,
    401,
  )

  // A name change alone needs no password and ends no session.
  const third = await login(newEmail, user.password)
  const renamed = await call('PATCH', '/users/me', { token: user.access_token, body: { full_name: 'Ada B.' } })
  assert.equal(renamed.status, 200)
  assert.equal((await call('GET', '/users/me', { token: third.access_token })).status, 200)
})

test('wrong current passwords on an email change spend the per-user password budget (429)', async (t) => {
  const { call, register } = await startTestApp(t, { loginRateLimit: { max: 2, windowMs: 60_000 } })
  const user = await register()
  const statuses = []
  for (let i = 0; i < 3; i++) {
    const response = await call('PATCH', '/users/me', {
      token: user.access_token,
      body: { email: uniqueEmail('guess'), current_password: `guess number ${i}` },
    })
    statuses.push(response.status)
  }
  assert.deepEqual(statuses, [403, 403, 429])
  // The same budget covers the password route.
  const password = await call('POST', '/users/me/password', {
    token: user.access_token,
    body: { current_password: user.password, new_password: 'another long password' },
  })
  assert.equal(password.status, 429)
})
