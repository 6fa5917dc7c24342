import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp, uniqueEmail } from '../support.ts'

const shared = startTestApp({ after })

test('request then confirm verifies the address once and publishes user_email_verified', async () => {
  const { call, register, outbox, db } = await shared
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(requested.status, 202)
  assert.equal(typeof requested.body.token, 'string')
  assert.ok(Date.parse(requested.body.expires_at) > Date.now())

  // Only the digest is stored.
  const stored = await db.query<{ token_hash: string }>('select token_hash from auth_email_verifications')
  assert.ok(stored.every((row) => row.token_hash !== requested.body.token))

  const confirmed = await call('POST', '/users/email-verification/confirm', { body: { token: requested.body.token } })
  assert.equal(confirmed.status, 200)
  assert.equal(confirmed.body.email_verified, true)

  const reused = await call('POST', '/users/email-verification/confirm', { body: { token: requested.body.token } })
  assert.equal(reused.status, 400)
  assert.equal(reused.body.error.code, 'AUTH_VERIFICATION_TOKEN_INVALID')
  const already = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(already.body.error.code, 'AUTH_EMAIL_ALREADY_VERIFIED')

  const verified = (await outbox(user.id)).filter((e) => e.event_type === 'user_email_verified')
  assert.equal(verified.length, 1)
  assert.equal(verified[0]!.payload.data.verified_email, user.email)
})

test('a token sent before an email change does not verify the new address', async () => {
  const { call, register } = await shared
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  await call('PATCH', '/users/me', {
    token: user.access_token,
    body: { email: uniqueEmail('changed'), current_password: user.password },
  })
  const confirmed = await call('POST', '/users/email-verification/confirm', { body: { token: requested.body.token } })
  assert.equal(confirmed.status, 400)
  assert.equal(confirmed.body.error.code, 'AUTH_VERIFICATION_TOKEN_INVALID')
  const unknown = await call('POST', '/users/email-verification/confirm', { body: { token: 'x'.repeat(43) } })
  assert.equal(unknown.status, 400)
})

test('in production the token is never returned', async (t) => {
  const { call, register } = await startTestApp(t, { exposeVerificationToken: false })
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(requested.status, 202)
  assert.deepEqual(Object.keys(requested.body), ['expires_at'])
})
