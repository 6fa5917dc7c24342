import { type Static, Type } from 'typebox'
import { Role, strict, Username } from './common.ts'

// POST /api/session logs in (sets the httpOnly `grimos_console` cookie); GET /api/session says who is logged in
// and hands out the CSRF token to send as `x-csrf-token` on every POST/PUT/DELETE; DELETE logs out.

export const LoginBody = Type.Object(
  { username: Username, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  strict,
)

export const SessionUser = Type.Object({ username: Type.String(), role: Role })

export const SessionAnswer = Type.Object({
  /** Null when not logged in. */
  user: Type.Union([SessionUser, Type.Null()]),
  /** Present when logged in: send it as the `x-csrf-token` header of every state-changing request. */
  csrfToken: Type.Optional(Type.String()),
  /** ISO time the session ends (idle sessions end earlier). */
  expiresAt: Type.Optional(Type.String()),
})

export type LoginBody = Static<typeof LoginBody>
export type SessionUser = Static<typeof SessionUser>
export type SessionAnswer = Static<typeof SessionAnswer>
