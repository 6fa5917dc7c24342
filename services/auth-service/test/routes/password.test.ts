import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp } from '../support.ts'

const shared = startTestApp({ after })
const newPassword = 'an even better passphrase'

test('changing the password keeps this session, revokes the others, publishes user_password_changed', async () => {
  const { call, register, login, outbox } = await shared
  const user = await register()
  const other = await login(user.email, user.password)

  const changed = await call('POST', '/users/me/password', {
    token: user.access_token,
    body: { current_password: user.password, new_password: newPassword },
  })
  assert.equal(changed.status, 204)
  assert.equal((await call('GET', '/users/me', { token: user.access_token })).status, 200)
  assert.equal((await call('GET', '/users/me', { token: other.access_token })).status, 401)
  assert.equal((await call('POST', '/auth/refresh', { body: { refresh_token: other.refresh_token } })).status, 401)

  assert.equal(
    (await call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status,
    401,
  )
  assert.equal((await call('POST', '/auth/login', { body: { email: user.email, password: newPassword } })).status, 200)

  const event = (await outbox(user.id)).find((e) => e.event_type === 'user_password_changed')
  assert.equal(event?.payload.data.changed_by, 'user')
})

test('a wrong current password is 403, the same one again is 422, a short one 400; nothing is published', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  const before = (await outbox(user.id)).length
  const post = (body: object) => call('POST', '/users/me/password', { token: user.access_token, body })

  const wrong = await post({ current_password: 'not my password', new_password: newPassword })
  assert.equal(wrong.status, 403)
  assert.equal(wrong.body.error.code, 'AUTH_PASSWORD_INCORRECT')
  const same = await post({ current_password: user.password, new_password: user.password })
  assert.equal(same.status, 422)
  assert.equal(same.body.error.code, 'AUTH_PASSWORD_UNCHANGED')
  const short = await post({ current_password: user.password, new_password: 'short' })
  assert.equal(short.status, 400)
  assert.equal(short.body.error.details[0].field, 'new_password')
  assert.equal((await outbox(user.id)).length, before)
})

test('guessing the current password with a stolen token is cut off with 429', async (t) => {
  const { call, register } = await startTestApp(t, { loginRateLimit: { max: 3, windowMs: 60_000 } })
  const user = await register()
  const change = (current_password: string) =>
    call('POST', '/users/me/password', {
      token: user.access_token,
      body: { current_password, new_password: newPassword },
    })
  const remove = (password: string) => call('DELETE', '/users/me', { token: user.access_token, body: { password } })
  // Both routes that check the current password draw on one budget per user, so switching routes gains nothing.
  const statuses = [
    (await change('guess number 1')).status,
    (await change('guess number 2')).status,
    (await remove('guess number 3')).status,
    (await remove('guess number 4')).status,
    (await change('guess number 5')).status,
  ]
  assert.deepEqual(statuses, [403, 403, 403, 429, 429])
  const limited = await change(user.password)
  assert.equal(limited.status, 429, 'even the right password waits for the window')
  assert.equal(limited.body.error.code, 'AUTH_RATE_LIMITED')
  // Another user is not affected.
  const other = await register()
  const wrong = await call('POST', '/users/me/password', {
    token: other.access_token,
    body: { current_password: 'not my password', new_password: newPassword },
  })
  assert.equal(wrong.status, 403)
})
