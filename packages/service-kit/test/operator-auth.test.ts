import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServiceApp } from '../src/app.ts'
import { operatorAuth } from '../src/operator-auth.ts'

const token = 'operator-token-0123456789'

test('admits the right bearer token only, answering 401 in the error shape', async (t) => {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  t.after(() => app.close())
  app.get('/dlq', { preHandler: operatorAuth(token) }, async () => ({ records: [] }))

  const ok = await app.inject({ url: '/dlq', headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.statusCode, 200)

  for (const authorization of [undefined, `Bearer ${token}x`, 'Bearer ', `Basic ${token}`, token]) {
    const refused = await app.inject({ url: '/dlq', headers: authorization ? { authorization } : {} })
    assert.equal(refused.statusCode, 401, String(authorization))
    assert.equal(refused.json().error.code, 'OPERATOR_UNAUTHORIZED')
    assert.equal(refused.headers['www-authenticate'], 'Bearer')
  }
})

test('refuses to be configured with a short or empty token', () => {
  assert.throws(() => operatorAuth(''), RangeError)
  assert.throws(() => operatorAuth('short'), RangeError)
})
