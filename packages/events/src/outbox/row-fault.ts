import { isGrimError, isRetryable } from '../errors.ts'

// The broker's verdicts about one record's size or bytes; every other refusal (authorisation, unknown topic)
// is about the setup and would refuse every row alike.
const recordRefusal = /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|INVALID_RECORD/i

/**
 * Whether `error` is the row's own fault, so marking that one row 'failed' is right. Anything else that is not
 * retryable (an incompatible or unauthorised schema registration, a topic the relay may not write) would fail
 * every row the same way: those rows must wait for an operator instead.
 */
export function isRowFault(error: unknown): boolean {
  if (!isGrimError(error) || isRetryable(error)) return false
  if (error.code === 'GRIM_EVENT_INVALID' || error.code === 'GRIM_EVENT_TYPE_UNKNOWN') return true
  return error.code === 'GRIM_PUBLISH_FAILED' && recordRefusal.test(describeChain(error))
}

/** Messages and codes of an error, its causes and any nested errors (a client may wrap the broker's answer). */
function describeChain(error: unknown, depth = 0): string {
  if (depth > 5 || error === null || typeof error !== 'object') return String(error ?? '')
  const { message, code, cause, errors } = error as {
    message?: unknown
    code?: unknown
    cause?: unknown
    errors?: unknown
  }
  const nested = Array.isArray(errors) ? errors.map((e) => describeChain(e, depth + 1)) : []
  return [
    String(message ?? ''),
    String(code ?? ''),
    ...(cause === undefined ? [] : [describeChain(cause, depth + 1)]),
    ...nested,
  ].join(' ')
}
