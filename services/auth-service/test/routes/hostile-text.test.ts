// Regressions found by the HTTP fuzz (fuzz.test.ts): NUL reached PostgreSQL (500 on register and login), an
// unpaired surrogate reached the outbox's jsonb (500 on delete) or was stored as U+FFFD without a word.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { startTestApp, strongPassword, uniqueEmail } from '../support.ts'

const shared = startTestApp({ after })

test('NUL and unpaired surrogates are a 400 naming the field, and nothing is written', async () => {
  const { call, register, outbox } = await shared
  const user = await register()
  const before = (await outbox()).length
  const cases: Array<[string, string, object, string]> = [
    ['POST', '/auth/register', { email: uniqueEmail(), password: strongPassword, full_name: 'a\u0000' }, 'full_name'],
    ['POST', '/auth/register', { email: uniqueEmail(), password: strongPassword, full_name: 'a\ud800' }, 'full_name'],
    ['POST', '/auth/login', { email: 'a\u0000@example.com', password: 'x' }, 'email'],
    ['PATCH', '/users/me', { full_name: '\ud800' }, 'full_name'],
    ['DELETE', '/users/me', { password: user.password, reason: 'x\udc00' }, 'reason'],
    [
      'POST',
      '/users/me/password',
      { current_password: user.password, new_password: `${strongPassword}\u0000` },
      'new_password',
    ],
  ]
  for (const [method, url, body, field] of cases) {
    const response = await call(method, url, { body, token: user.access_token })
    assert.equal(response.status, 400, `${url}: ${response.raw}`)
    assert.equal(response.body.error.code, 'VALIDATION_FAILED')
    assert.equal(response.body.error.details[0].field, field)
    assert.equal(response.body.error.details[0].rule, 'text')
  }
  assert.equal((await outbox()).length, before)
  const me = await call('GET', '/users/me', { token: user.access_token })
  assert.equal(me.status, 200, 'the account is neither deleted nor changed')
  assert.equal(me.body.full_name, 'Ada Lovelace')
})
