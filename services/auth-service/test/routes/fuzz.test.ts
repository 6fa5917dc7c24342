// Property-based fuzzing of every auth-service body and query: hostile JSON, wrong types, unknown fields, odd
// content types and valid-but-hostile values all get a clear 4xx in the one error shape (or the route's success),
// never a 5xx. Runs per property: HTTP_FUZZ_RUNS (default 200).
import { after, test } from 'node:test'
import fc from 'fast-check'
import {
  assertClientError,
  assertNamesField,
  bodyLike,
  contentTypes,
  fuzzRuns,
  type Json,
  nastyStrings,
  queryLike,
  rawPayloads,
} from '../../../../packages/service-kit/test/support/http-fuzz.ts'
import { type RegisteredUser, startTestApp, strongPassword, uniqueEmail } from '../support.ts'

// Generous limits: the fuzz is about input handling, and a 429 would hide what comes after it.
const shared = startTestApp({ after }, { loginRateLimit: { max: 100_000, windowMs: 60_000 } })

const email = fc.oneof(
  fc.emailAddress().filter((value) => value.length <= 254),
  fc.constantFrom('ädä@exämple.com', 'a@b.co', `${'a'.repeat(64)}@${'b'.repeat(63)}.com`, '"quoted"@example.com'),
)
const password = fc.oneof(
  fc.string({ minLength: 12, maxLength: 256 }),
  fc.string({ unit: 'grapheme', minLength: 12, maxLength: 64 }),
  fc.constant('👩‍👩‍👧‍👦'.repeat(20)),
)
const text = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: max }), nastyStrings)

interface Route {
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET'
  url: string
  fields: Record<string, fc.Arbitrary<Json>>
  /** Success statuses a valid body may get. */
  ok: number[]
  auth?: boolean
}

const routes: Route[] = [
  {
    method: 'POST',
    url: '/auth/register',
    fields: { email, password, full_name: text(200) },
    ok: [201],
  },
  { method: 'POST', url: '/auth/login', fields: { email: fc.oneof(email, text(254)), password }, ok: [200] },
  { method: 'POST', url: '/auth/refresh', fields: { refresh_token: text(4096) }, ok: [200] },
  {
    method: 'PATCH',
    url: '/users/me',
    fields: { full_name: fc.oneof(text(200), fc.constant(null)), email },
    ok: [200],
    auth: true,
  },
  {
    method: 'POST',
    url: '/users/me/password',
    fields: { current_password: password, new_password: password },
    ok: [204],
    auth: true,
  },
  { method: 'DELETE', url: '/users/me', fields: { password, reason: text(500) }, ok: [204], auth: true },
  { method: 'POST', url: '/users/email-verification/confirm', fields: { token: text(256) }, ok: [200] },
  // No body declared: any field is unknown.
  { method: 'POST', url: '/auth/logout', fields: {}, ok: [204], auth: true },
  { method: 'POST', url: '/users/me/email-verification', fields: {}, ok: [202], auth: true },
]

/** A logged-in user for the authenticated routes; replaced when a fuzzed request logged it out or deleted it. */
async function session(): Promise<() => Promise<RegisteredUser>> {
  const app = await shared
  let user = await app.register()
  return async () => {
    const me = await app.call('GET', '/users/me', { token: user.access_token })
    if (me.status !== 200) user = await app.register()
    return user
  }
}

for (const route of routes) {
  test(`fuzz ${route.method} ${route.url}: bodies shaped like the route's`, async () => {
    const { app } = await shared
    const current = await session()
    await fc.assert(
      fc.asyncProperty(bodyLike(route.fields), async (body) => {
        const token = route.auth ? (await current()).access_token : undefined
        const response = await app.inject({
          method: route.method,
          url: `/api/v1${route.url}`,
          payload: body,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        })
        assertClientError(response, body, route.ok)
      }),
      { numRuns: fuzzRuns },
    )
  })
}

test('fuzz every route: raw payloads, content types and query strings', async () => {
  const { app } = await shared
  const current = await session()
  const all = [...routes, { method: 'GET', url: '/users/me', fields: {}, ok: [200], auth: true } as const]
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...all),
      rawPayloads,
      contentTypes,
      queryLike(['limit', 'email']),
      async (route, payload, contentType, query) => {
        const token = route.auth ? (await current()).access_token : undefined
        const headers: Record<string, string> = { 'content-type': contentType }
        if (token) headers.authorization = `Bearer ${token}`
        const response = await app.inject({
          method: route.method,
          url: `/api/v1${route.url}${query === '' ? '' : `?${query}`}`,
          ...(route.method === 'GET' ? {} : { payload }),
          headers,
        })
        // Success only when nothing was sent that the route does not take ('&' names no field).
        const names = [...new URLSearchParams(query).keys()].filter((name) => name !== '')
        const ok = names.length === 0 && Object.keys(route.fields).length === 0 ? route.ok : []
        assertClientError(response, { route: route.url, payload, contentType, query }, ok)
      },
    ),
    { numRuns: fuzzRuns * 2 },
  )
})

test('an unknown field is a 400 naming it on every body route, before anything happens', async () => {
  const { app, outbox } = await shared
  const user = await (await session())()
  const before = (await outbox()).length
  const cases: Array<[Route['method'], string, Record<string, Json>, string]> = [
    [
      'POST',
      '/auth/register',
      { email: uniqueEmail(), password: strongPassword, full_name: 'A', fullName: 'B' },
      'fullName',
    ],
    ['POST', '/auth/login', { email: user.email, password: user.password, remember: true }, 'remember'],
    ['POST', '/auth/refresh', { refresh_token: user.refresh_token, refreshToken: 'x' }, 'refreshToken'],
    ['POST', '/auth/logout', { all_sessions: true }, 'all_sessions'],
    ['PATCH', '/users/me', { full_name: 'New', is_superuser: true }, 'is_superuser'],
    [
      'POST',
      '/users/me/password',
      { current_password: user.password, new_password: `${strongPassword}!`, newPassword: 'x' },
      'newPassword',
    ],
    ['DELETE', '/users/me', { password: user.password, hard: true }, 'hard'],
    ['POST', '/users/me/email-verification', { email: 'other@example.com' }, 'email'],
    ['POST', '/users/email-verification/confirm', { token: 'x'.repeat(20), email: 'x' }, 'email'],
  ]
  for (const [method, url, payload, field] of cases) {
    const headers = { authorization: `Bearer ${user.access_token}` }
    assertNamesField(await app.inject({ method, url: `/api/v1${url}`, payload, headers }), field)
  }
  assertNamesField(
    await app.inject({
      method: 'GET',
      url: '/api/v1/users/me?fields=all',
      headers: { authorization: `Bearer ${user.access_token}` },
    }),
    'fields',
  )
  const me = await app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${user.access_token}` },
  })
  assertClientError(me, 'still logged in', [200])
  if ((await outbox()).length !== before) throw new Error('a refused request wrote an event')
})
