// Helpers for the auth-service tests: an app on an in-memory PGlite (or a unique PostgreSQL schema), its
// captured log lines and its outbox.
import { randomBytes } from 'node:crypto'
import type { ServiceApp } from '@grimos/service-kit'
import { buildAuthApp } from '../src/app.ts'
import { type Database, openAuthDatabase } from '../src/db.ts'
import type { AuthSettings } from '../src/options.ts'

// biome-ignore lint/suspicious/noExplicitAny: response and event JSON is asserted field by field in the tests
type Json = any

export const testSecret = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export function testSettings(overrides: Partial<AuthSettings> = {}): AuthSettings {
  return {
    jwtSecret: testSecret,
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 7 * 24 * 3600,
    emailVerificationTtlSeconds: 3600,
    loginRateLimit: { max: 5, windowMs: 60_000 },
    // A file's tests register many users from one address; the registration limit has tests of its own.
    registrationRateLimit: { max: 10_000, windowMs: 60_000 },
    bodyLimit: 16 * 1024,
    trustProxy: false,
    exposeVerificationToken: true,
    ...overrides,
  }
}

export interface TestApp {
  app: ServiceApp
  db: Database
  /** Every log line the app wrote, raw. */
  logs: string[]
  /** Every response body this helper's calls received, raw. */
  bodies: string[]
  call(method: string, url: string, options?: CallOptions): Promise<{ status: number; body: Json; raw: string }>
  register(overrides?: Partial<{ email: string; password: string; full_name: string }>): Promise<RegisteredUser>
  login(email: string, password: string): Promise<{ access_token: string; refresh_token: string }>
  /** Outbox rows, oldest first. */
  outbox(userId?: string): Promise<Array<{ event_type: string; payload: Json }>>
}

interface CallOptions {
  body?: unknown
  token?: string
  headers?: Record<string, string>
}

export interface RegisteredUser {
  id: string
  email: string
  password: string
  full_name: string
  access_token: string
  refresh_token: string
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@example.com`
}

export const strongPassword = 'correct horse battery staple'

/** A fresh app and database for one test file; both are closed after it. */
export async function startTestApp(
  t: { after(fn: () => Promise<void>): void },
  settings: Partial<AuthSettings> = {},
  database: { url?: string; schema?: string } = {},
): Promise<TestApp> {
  const db = await openAuthDatabase(database)
  const logs: string[] = []
  const bodies: string[] = []
  const stream = { write: (line: string) => logs.push(line) }
  const app = await buildAuthApp({ db, settings: testSettings(settings), logger: { level: 'debug', stream } })
  t.after(async () => {
    await app.close()
    await db.close()
  })

  const call: TestApp['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { 'user-agent': 'auth-tests/1.0', ...options.headers }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const response = await app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    })
    bodies.push(response.body)
    return { status: response.statusCode, body: response.body ? response.json() : undefined, raw: response.body }
  }

  const login: TestApp['login'] = async (email, password) => {
    const response = await call('POST', '/auth/login', { body: { email, password } })
    if (response.status !== 200) throw new Error(`login failed: ${response.raw}`)
    return response.body
  }

  return {
    app,
    db,
    logs,
    bodies,
    call,
    login,
    async register(overrides = {}) {
      const input = { email: uniqueEmail(), password: strongPassword, full_name: 'Ada Lovelace', ...overrides }
      const response = await call('POST', '/auth/register', { body: input })
      if (response.status !== 201) throw new Error(`register failed: ${response.raw}`)
      const tokens = await login(input.email, input.password)
      return { ...input, id: response.body.id, ...tokens }
    },
    async outbox(userId) {
      const rows = await db.query<{ event_type: string; payload: Json }>(
        `select event_type, payload from grimos_outbox ${userId ? 'where message_key = $1' : ''} order by id`,
        userId ? [userId] : [],
      )
      return rows
    },
  }
}
