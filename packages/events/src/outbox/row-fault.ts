import { isGrimError, isRetryable } from '../errors.ts'

/**
 * Whether `error` is the row's own fault, so marking that one row 'failed' is right: invalid, or refused by the
 * broker for its own size or bytes (kafka/errors.ts classifies that by the broker's error id). Anything else that
 * is not retryable (an incompatible or unauthorised schema registration, a topic the relay may not write) would
 * fail every row the same way: those rows must wait for an operator instead.
 */
export function isRowFault(error: unknown): boolean {
  if (!isGrimError(error) || isRetryable(error)) return false
  if (error.code === 'GRIM_EVENT_INVALID' || error.code === 'GRIM_EVENT_TYPE_UNKNOWN') return true
  return error.code === 'GRIM_PUBLISH_FAILED' && error.details.kafkaFault === 'record'
}
