import { ServiceError } from '@grimos/service-kit'

// The event-consumer's own error codes. Library failures (GRIM_*) are rendered by the shared error handler as
// they are; these cover what only this service knows.
export const consumerErrorCodes = {
  /** The read model has no user with that id (never registered, or not consumed yet). */
  CONSUMER_USER_NOT_FOUND: 404,
} as const

export type ConsumerErrorCode = keyof typeof consumerErrorCodes

export function consumerError(code: ConsumerErrorCode, message: string, details?: Record<string, unknown>[]) {
  return new ServiceError(code, consumerErrorCodes[code], message, details === undefined ? {} : { details })
}
