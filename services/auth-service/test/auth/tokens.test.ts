import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { SignJWT } from 'jose'
import { tokenAudience, tokenIssuer } from '../../src/auth/tokens.ts'
import { startTestApp, testSecret } from '../support.ts'

const shared = startTestApp({ after })
const key = (secret: string) => new TextEncoder().encode(secret)

async function sign(claims: Record<string, unknown>, options: { secret?: string; exp?: number; alg?: string } = {}) {
  const now = Math.floor(Date.now() / 1000)
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(tokenIssuer)
    .setAudience(tokenAudience)
    .setIssuedAt(now - 3600)
    .setExpirationTime(options.exp ?? now + 600)
    .setJti(crypto.randomUUID())
    .sign(key(options.secret ?? testSecret))
}

test('an expired token is 401 AUTH_TOKEN_EXPIRED', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  const [login] = (await outbox(user.id)).filter((e) => e.event_type === 'user_login')
  assert.ok(login)
  const claims = JSON.parse(Buffer.from(user.access_token.split('.')[1]!, 'base64url').toString())
  const expired = await sign(
    { sub: user.id, sid: claims.sid, use: 'access' },
    { exp: Math.floor(Date.now() / 1000) - 60 },
  )
  const response = await call('GET', '/users/me', { token: expired })
  assert.equal(response.status, 401)
  assert.equal(response.body.error.code, 'AUTH_TOKEN_EXPIRED')
})

test('an expired refresh token is 401 AUTH_TOKEN_EXPIRED and mints nothing', async () => {
  const { call, register } = await shared
  const user = await register()
  // The session's current refresh token, re-signed with an expiry in the past: everything else would pass.
  const claims = JSON.parse(Buffer.from(user.refresh_token.split('.')[1]!, 'base64url').toString())
  const expired = await new SignJWT({ sid: claims.sid, use: 'refresh' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuer(tokenIssuer)
    .setAudience(tokenAudience)
    .setIssuedAt(claims.iat)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .setJti(claims.jti)
    .sign(key(testSecret))
  const refused = await call('POST', '/auth/refresh', { body: { refresh_token: expired } })
  assert.equal(refused.status, 401)
  assert.equal(refused.body.error.code, 'AUTH_TOKEN_EXPIRED')
  assert.equal(refused.body.access_token, undefined)
  // The unexpired original still works: the refusal did not rotate or revoke the session.
  const refreshed = await call('POST', '/auth/refresh', { body: { refresh_token: user.refresh_token } })
  assert.equal(refreshed.status, 200)
})

test('forged, tampered and wrong-kind tokens are 401 AUTH_TOKEN_INVALID', async () => {
  const { call, register } = await shared
  const user = await register()
  const claims = JSON.parse(Buffer.from(user.access_token.split('.')[1]!, 'base64url').toString())

  const forged = await sign({ sub: user.id, sid: claims.sid, use: 'access' }, { secret: 'x'.repeat(64) })
  const [header, , signature] = user.access_token.split('.')
  const escalated = Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString('base64url')
  const tampered = `${header}.${escalated}.${signature}`
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${user.access_token.split('.')[1]}.`

  for (const [name, token] of [
    ['forged', forged],
    ['tampered', tampered],
    ['alg none', unsigned],
    ['refresh as access', user.refresh_token],
    ['garbage', 'not-a-jwt'],
  ] as const) {
    const response = await call('GET', '/users/me', { token })
    assert.equal(response.status, 401, name)
    assert.equal(response.body.error.code, 'AUTH_TOKEN_INVALID', name)
  }
})

test('a validly signed token for a session that does not exist is revoked', async () => {
  const { call, register } = await shared
  const user = await register()
  const token = await sign({ sub: user.id, sid: crypto.randomUUID(), use: 'access' })
  const response = await call('GET', '/users/me', { token })
  assert.equal(response.body.error.code, 'AUTH_TOKEN_REVOKED')
})
