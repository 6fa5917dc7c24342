// Which failures are a dependency being out of reach rather than a fault of the event: the consumer waits those
// out instead of spending the event's retry budget on them (docs/dlq.md, "What counts against the retry budget").
import { isDatabaseUnreachable } from './db/errors.ts'
import { type GrimErrorCode, isGrimError } from './errors.ts'

export type Dependency = 'registry' | 'database' | 'broker'

const byCode: Partial<Record<GrimErrorCode, Dependency>> = {
  // Includes 401/403 (not retryable by the catalogue): the registry refusing us is no fault of the event either,
  // and dead-lettering every record until the credentials are fixed would be worse than waiting.
  GRIM_REGISTRY_UNAVAILABLE: 'registry',
  GRIM_DATABASE_UNAVAILABLE: 'database',
  GRIM_KAFKA_UNAVAILABLE: 'broker',
}

/** Wrappers (a handler's GRIM_HANDLER_FAILED around a driver error) are looked through this deep. */
const MAX_CAUSES = 4

/**
 * The dependency whose outage `error` reports, or undefined when the error belongs to the event or its handler.
 * Looks through `cause`s, so a handler that wraps a database outage in its own error is still recognised. An
 * unknown schema id (GRIM_SCHEMA_NOT_FOUND) is the record's fault: the registry answered.
 */
export function dependencyOutageOf(error: unknown): Dependency | undefined {
  let current = error
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth++) {
    if (isGrimError(current)) {
      const dependency = byCode[current.code]
      if (dependency) return dependency
    } else if (isDatabaseUnreachable(current)) return 'database'
    current = current.cause
  }
  return undefined
}

export function isDependencyOutage(error: unknown): boolean {
  return dependencyOutageOf(error) !== undefined
}
