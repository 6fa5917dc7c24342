import type { FastifyRequest } from 'fastify'
import type { Queryable } from '../db.ts'
import { authError } from '../errors.ts'
import { isSessionActive } from './sessions.ts'
import type { TokenClaims, TokenSigner } from './tokens.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on routes that require a bearer access token. */
    auth?: TokenClaims
  }
}

/** A preHandler: a valid access token whose session is still open, or 401 in the one error shape. */
export function authenticate(db: Queryable, signer: TokenSigner) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match?.[1]) throw authError('AUTH_TOKEN_MISSING', undefined, { headers: { 'www-authenticate': 'Bearer' } })
    const claims = await signer.verify(match[1], 'access')
    // The revocation check: logout, a password change or deletion closes sessions before their tokens expire.
    if (!(await isSessionActive(db, claims.sessionId, claims.userId))) throw authError('AUTH_TOKEN_REVOKED')
    request.auth = claims
  }
}

/** The claims `authenticate` put on the request; a route without the preHandler is a programming error. */
export function claimsOf(request: FastifyRequest): TokenClaims {
  if (!request.auth) throw new Error(`route ${request.routeOptions.url} reads claims without authenticate`)
  return request.auth
}
