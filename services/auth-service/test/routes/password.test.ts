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
