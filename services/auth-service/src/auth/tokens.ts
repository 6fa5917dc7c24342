import { randomUUID } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { authError } from '../errors.ts'

export const tokenIssuer = 'grimos-auth-service'
export const tokenAudience = 'grimos'
const algorithm = 'HS256'

export type TokenUse = 'access' | 'refresh'

/** What a verified token says. `sid` names the session (one login); revoking it voids both of its tokens. */
export interface TokenClaims {
  userId: string
  sessionId: string
  jti: string
  use: TokenUse
  expiresAt: Date
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_expires_in: number
}

export interface TokenSigner {
  sign(input: {
    userId: string
    sessionId: string
    use: TokenUse
    jti?: string
  }): Promise<{ token: string; jti: string }>
  verify(token: string, use: TokenUse): Promise<TokenClaims>
  readonly accessTtlSeconds: number
  readonly refreshTtlSeconds: number
}

export function createTokenSigner(secret: string, accessTtlSeconds: number, refreshTtlSeconds: number): TokenSigner {
  const key = new TextEncoder().encode(secret)
  return {
    accessTtlSeconds,
    refreshTtlSeconds,
    async sign({ userId, sessionId, use, jti = randomUUID() }) {
      const ttl = use === 'access' ? accessTtlSeconds : refreshTtlSeconds
      const token = await new SignJWT({ sid: sessionId, use })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setSubject(userId)
        .setJti(jti)
        .setIssuer(tokenIssuer)
        .setAudience(tokenAudience)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .sign(key)
      return { token, jti }
    },
    async verify(token, use) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [algorithm],
          issuer: tokenIssuer,
          audience: tokenAudience,
          requiredClaims: ['sub', 'jti', 'exp', 'sid'],
        })
        // A refresh token must not open the API, nor an access token mint new tokens.
        if (payload.use !== use || typeof payload.sid !== 'string') throw authError('AUTH_TOKEN_INVALID')
        return {
          userId: payload.sub as string,
          sessionId: payload.sid,
          jti: payload.jti as string,
          use,
          expiresAt: new Date((payload.exp as number) * 1000),
        }
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw authError('AUTH_TOKEN_EXPIRED', undefined, { cause: error })
        if (error instanceof errors.JOSEError) throw authError('AUTH_TOKEN_INVALID', undefined, { cause: error })
        throw error
      }
    },
  }
}
