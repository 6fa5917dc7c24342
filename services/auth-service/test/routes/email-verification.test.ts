import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, test } from 'node:test'
import { pruneSpentVerifications } from '../../src/users/email-verifications.ts'
import { startTestApp, uniqueEmail } from '../support.ts'

const shared = startTestApp({ after })

test('request then confirm verifies the address once and publishes user_email_verified', async () => {
  const { call, register, outbox, db } = await shared
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(requested.status, 202)
  assert.equal(typeof requested.body.token, 'string')
  assert.ok(Date.parse(requested.body.expires_at) > Date.now())

  // Only the digest is stored: one row for this user, holding the SHA-256 of the token it was sent.
  const stored = await db.query<{ token_hash: string }>(
    'select token_hash from auth_email_verifications where user_id = $1::uuid',
    [user.id],
  )
  assert.deepEqual(
    stored.map((row) => row.token_hash),
    [createHash('sha256').update(requested.body.token).digest('hex')],
  )

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

test('an expired verification token is refused and verifies nothing', async () => {
  const { call, register, db, outbox } = await shared
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(requested.status, 202)
  // Moved into the past rather than waited out: the TTL is an hour.
  await db.query(
    "update auth_email_verifications set expires_at = now() - interval '1 second' where user_id = $1::uuid",
    [user.id],
  )
  const confirmed = await call('POST', '/users/email-verification/confirm', { body: { token: requested.body.token } })
  assert.equal(confirmed.status, 400)
  assert.equal(confirmed.body.error.code, 'AUTH_VERIFICATION_TOKEN_INVALID')
  const me = await call('GET', '/users/me', { token: user.access_token })
  assert.equal(me.body.email_verified, false)
  assert.equal((await outbox(user.id)).filter((e) => e.event_type === 'user_email_verified').length, 0)
})

test('in production the token is never returned', async (t) => {
  const { call, register } = await startTestApp(t, { exposeVerificationToken: false })
  const user = await register()
  const requested = await call('POST', '/users/me/email-verification', { token: user.access_token })
  assert.equal(requested.status, 202)
  assert.deepEqual(Object.keys(requested.body), ['expires_at'])
})

test('confirmed and expired links (they hold the address) are pruned; a live one stays', async () => {
  const { call, register, db } = await shared
  const confirmed = await register()
  const link = await call('POST', '/users/me/email-verification', { token: confirmed.access_token })
  await call('POST', '/users/email-verification/confirm', { body: { token: link.body.token } })
  const expired = await register()
  await call('POST', '/users/me/email-verification', { token: expired.access_token })
  await db.query(`update auth_email_verifications set expires_at = now() - interval '1 second' where user_id = $1`, [
    expired.id,
  ])
  const live = await register()
  await call('POST', '/users/me/email-verification', { token: live.access_token })

  await pruneSpentVerifications(db)
  const left = await db.query<{ user_id: string }>(
    'select user_id::text as user_id from auth_email_verifications where user_id = any($1::uuid[])',
    [[confirmed.id, expired.id, live.id]],
  )
  assert.deepEqual(
    left.map((r) => r.user_id),
    [live.id],
  )
})
