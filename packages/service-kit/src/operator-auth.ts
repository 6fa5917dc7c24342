import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ServiceError } from './errors.ts'

const minimumTokenLength = 16

/**
 * A preHandler that admits only `Authorization: Bearer <token>`. Both sides are hashed first so the comparison
 * is constant-time whatever the length of what was sent.
 */
export function operatorAuth(token: string): (request: FastifyRequest) => Promise<void> {
  if (token.length < minimumTokenLength) {
    throw new RangeError(`operator token must be at least ${minimumTokenLength} characters long`)
  }
  const expected = digest(token)
  return async (request) => {
    const header = request.headers.authorization
    const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : ''
    if (presented === '' || !timingSafeEqual(digest(presented), expected)) {
      throw new ServiceError('OPERATOR_UNAUTHORIZED', 401, 'A valid operator bearer token is required', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
