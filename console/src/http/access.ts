import { createHash, timingSafeEqual } from 'node:crypto'
import type { Database } from '@grimos/events'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Role, verifyOperator } from '../auth/operators.ts'
import type { LoginLimiter } from '../auth/rate-limit.ts'
import { findSession, type Session } from '../auth/sessions.ts'
import { consoleError } from '../errors.ts'

// Who is calling, checked on every /api request before its body is read: a session cookie (browsers: the
// state-changing methods also need the session's CSRF token) or HTTP Basic credentials (the CLI: no cookie, so
// no CSRF exposure). Routes say the role they need in `config.role`; the default is viewer.

export const SESSION_COOKIE = 'grimos_console'
export const CSRF_HEADER = 'x-csrf-token'

export interface Principal {
  username: string
  role: Role
  /** Set for cookie sessions. */
  session?: Session
}

const principals = new WeakMap<FastifyRequest, Principal>()

export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request)
  if (!principal) throw consoleError('CONSOLE_UNAUTHENTICATED', 'log in first')
  return principal
}

export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (typeof header !== 'string' || header.length > 8192) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim()
  }
  return undefined
}

function basicCredentials(request: FastifyRequest): { username: string; password: string } | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !header.startsWith('Basic ') || header.length > 4096) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 1) return undefined
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const digest = (value: string) => createHash('sha256').update(value).digest()
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** Reachable without a principal: the login and the "who am I" answer. */
const open = (request: FastifyRequest) =>
  request.routeOptions.url === '/api/session' && (request.method === 'GET' || request.method === 'POST')

export function accessControl(db: Database, limiter: LoginLimiter) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!request.url.startsWith('/api/') || request.is404) return
    const basic = basicCredentials(request)
    if (basic) {
      const wait = limiter.blocked(request.ip, basic.username)
      if (wait > 0)
        throw consoleError('CONSOLE_LOGIN_LIMITED', `too many attempts: try again in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        })
      const account = await verifyOperator(db, basic.username, basic.password)
      if (!account) {
        limiter.failed(request.ip, basic.username)
        throw consoleError('CONSOLE_UNAUTHENTICATED', 'wrong username or password')
      }
      principals.set(request, account)
    } else {
      const token = sessionToken(request)
      const session = token ? await findSession(db, token) : undefined
      if (session) {
        principals.set(request, { username: session.username, role: session.role, session })
        if (unsafeMethods.has(request.method) && !open(request)) {
          const sent = request.headers[CSRF_HEADER]
          if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), digest(session.csrfToken)))
            throw consoleError('CONSOLE_CSRF', `missing or wrong ${CSRF_HEADER} header: take it from GET /api/session`)
        }
      }
    }
    if (open(request)) return
    const principal = principals.get(request)
    if (!principal) throw consoleError('CONSOLE_UNAUTHENTICATED', 'log in first (POST /api/session)')
    const needed = (request.routeOptions.config as { role?: Role } | undefined)?.role ?? 'viewer'
    if (needed === 'operator' && principal.role !== 'operator')
      throw consoleError('CONSOLE_FORBIDDEN', `${principal.username} is a viewer: this needs role operator`)
  }
}

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal)
}
