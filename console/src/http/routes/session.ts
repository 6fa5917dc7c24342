import type { Database } from '@grimos/events'
import type { ServiceApp } from '@grimos/service-kit'
import { verifyOperator } from '../../auth/operators.ts'
import type { LoginLimiter } from '../../auth/rate-limit.ts'
import { createSession, deleteSession, findSession } from '../../auth/sessions.ts'
import { consoleError } from '../../errors.ts'
import { SESSION_COOKIE, sessionToken } from '../access.ts'
import { LoginBody } from '../schemas/index.ts'

export interface SessionRouteOptions {
  db: Database
  limiter: LoginLimiter
  ttlMs: number
  /** Secure cookies (https deployments). */
  secureCookie: boolean
}

export function registerSessionRoutes(app: ServiceApp, options: SessionRouteOptions): void {
  const { db } = options
  const cookie = (value: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${options.secureCookie ? '; Secure' : ''}`

  app.get('/api/session', async (request) => {
    const token = sessionToken(request)
    const session = token ? await findSession(db, token) : undefined
    if (!session) return { user: null }
    return {
      user: { username: session.username, role: session.role },
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
    }
  })

  app.post('/api/session', { schema: { body: LoginBody } }, async (request, reply) => {
    const { username, password } = request.body
    const wait = options.limiter.blocked(request.ip, username)
    if (wait > 0)
      throw consoleError('CONSOLE_LOGIN_LIMITED', `too many login attempts: try again in ${wait} s`, {
        headers: { 'retry-after': String(wait) },
      })
    const account = await verifyOperator(db, username, password)
    if (!account) {
      options.limiter.failed(request.ip, username)
      throw consoleError('CONSOLE_UNAUTHENTICATED', 'wrong username or password')
    }
    const { token, session } = await createSession(db, account.username, options.ttlMs)
    request.log.info({ operator: account.username }, 'operator logged in')
    reply.header('set-cookie', cookie(token, Math.floor(options.ttlMs / 1000)))
    return {
      user: { username: session.username, role: session.role },
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt.toISOString(),
    }
  })

  app.delete('/api/session', async (request, reply) => {
    const token = sessionToken(request)
    if (token) await deleteSession(db, token)
    reply.header('set-cookie', cookie('', 0))
    return reply.code(204).send()
  })
}
