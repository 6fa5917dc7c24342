// Which records of a failed send did not reach the broker. The send pipeline sends a batch in several requests, so
// a failure can leave part of a batch sent: the error carries the indices of the rest, so the publisher keeps (and
// the outbox relay leaves pending) exactly those.
import { asGrimError, GrimError } from '../errors.ts'

/** Indices of a failed batch's records that were not sent, when some were (the others are at the broker). */
const unsentIndices = new WeakMap<GrimError, number[]>()

/**
 * The batch's error, naming which of its records were not sent (the others reached the broker). A copy: one failed
 * request may fail several batches, each with records of its own left unsent.
 */
export function withUnsent(error: unknown, unsent: number[]): GrimError {
  const typed = asGrimError(error, 'GRIM_PUBLISH_FAILED')
  const copy = new GrimError(typed.code, typed.message, {
    retryable: typed.retryable,
    details: typed.details,
    cause: typed.cause,
  })
  unsentIndices.set(copy, unsent)
  return copy
}

/** The records of the failed batch that still need keeping: all of them unless the worker said otherwise. */
export function unsentOf<T>(items: T[], error: unknown): T[] {
  const unsent = error instanceof GrimError ? unsentIndices.get(error) : undefined
  return unsent ? unsent.map((i) => items[i] as T) : items
}
