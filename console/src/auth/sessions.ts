import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '@grimos/events'
import type { Role } from './operators.ts'

// Sessions: a random token in an httpOnly cookie, stored hashed; a CSRF token per session, sent back by the
// front end in `x-csrf-token` on every state-changing request (synchronizer token pattern).

export interface Session {
  username: string
  role: Role
  csrfToken: string
  expiresAt: Date
}

const hash = (token: string) => createHash('sha256').update(token).digest('base64url')

export async function createSession(
  db: Queryable,
  username: string,
  ttlMs: number,
): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(24).toString('base64url')
  const expiresAt = new Date(Date.now() + ttlMs)
  // Ended sessions go at each login, so the table holds live sessions only (bounded by the logins of one TTL).
  await db.query('delete from console_sessions where expires_at <= now()')
  const [row] = await db.query<{ role: Role }>(
    `with s as (insert into console_sessions (token_hash, username, csrf_token, expires_at) values ($1, $2, $3, $4))
     select role from console_operators where username = $2`,
    [hash(token), username, csrfToken, expiresAt],
  )
  return { token, session: { username, role: row?.role ?? 'viewer', csrfToken, expiresAt } }
}

export async function findSession(db: Queryable, token: string): Promise<Session | undefined> {
  if (token.length < 20 || token.length > 100) return undefined
  const [row] = await db.query<{ username: string; role: Role; csrf_token: string; expires_at: Date | string }>(
    `select s.username, o.role, s.csrf_token, s.expires_at from console_sessions s
       join console_operators o using (username) where s.token_hash = $1 and s.expires_at > now()`,
    [hash(token)],
  )
  return row
    ? { username: row.username, role: row.role, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) }
    : undefined
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('delete from console_sessions where token_hash = $1 or expires_at <= now()', [hash(token)])
}
