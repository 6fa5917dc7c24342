import { ErrorResponseSchema } from '@grimos/service-kit'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TokenSigner } from '../auth/tokens.ts'
import type { Database } from '../db.ts'
import type { RecordUserEvent } from '../events.ts'
import type { AuthSettings } from '../options.ts'
import type { AttemptLimits } from './attempt-limits.ts'

/** What every route module gets from the app. */
export interface RouteDeps {
  db: Database
  signer: TokenSigner
  settings: AuthSettings
  /** Writes a user event with the caller's transaction (to the configured topic, or nowhere when publishing is off). */
  recordUserEvent: RecordUserEvent
  /** The preHandler that requires a valid, unrevoked access token. */
  authenticate: (request: FastifyRequest) => Promise<void>
  /** preHandlers bounding password guesses (login, current-password checks). */
  limits: AttemptLimits
}

/** Documents error answers in OpenAPI; the shared error handler produces them. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponseSchema]))
}

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
export const NewPassword = Type.String({ minLength: 12, maxLength: 256, description: 'At least 12 characters' })
export const AnyPassword = Type.String({ minLength: 1, maxLength: 256 })
export const FullName = Type.String({ minLength: 1, maxLength: 200 })
export const bearer = [{ bearerAuth: [] }]
/** Every body object: an unknown field is a 400 naming it (service-kit refuses a route without this). */
export const strict = { additionalProperties: false } as const
