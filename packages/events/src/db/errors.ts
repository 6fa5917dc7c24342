import { GrimError, messageOf } from '../errors.ts'

// SQLSTATE classes that mean "try again later": connection exceptions (08), transaction rollbacks such as
// serialization failures and deadlocks (40), insufficient resources (53), operator intervention like a server
// restart (57P). Everything else (syntax, constraints, permissions) will fail the same way next time.
const transientSqlState = /^(08|40|53|57P)/
const transientNetwork = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|CONNECTION_(CLOSED|ENDED|DESTROYED))$/
// The subset that says the server itself is out of reach, not that this one statement lost a race: connection
// exceptions (08), admin/crash shutdown and "cannot connect now" while starting (57P01-03), the socket errors
// and the `postgres` pool's own connection codes. Deadlocks (40) and resource limits (53) are not outages.
const unreachableSqlState = /^(08...|57P0[123])$/
const unreachableNetwork =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|CONNECTION_(CLOSED|ENDED|DESTROYED)|CONNECT_TIMEOUT)$/

/** Whether a database error may go away by itself (the server comes back, the deadlock clears). */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return code === 'GRIM_DATABASE_UNAVAILABLE' || transientSqlState.test(code) || transientNetwork.test(code)
}

/** Whether a raw driver error (postgres or PGlite) means the database cannot be reached at all right now. */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (unreachableSqlState.test(code) || unreachableNetwork.test(code))) return true
  // PGlite has no code for it: a closed instance answers every query with this message.
  return error.message === 'PGlite is closed'
}

/**
 * Re-throws a driver error as GRIM_DATABASE_UNAVAILABLE when the server is out of reach (the driver's error is
 * the cause), so callers such as the consumer can tell an outage from a failure of the statement itself.
 */
export function databaseError(error: unknown): unknown {
  if (!isDatabaseUnreachable(error)) return error
  const code = (error as { code?: string }).code
  return new GrimError('GRIM_DATABASE_UNAVAILABLE', `database unavailable: ${messageOf(error)}`, {
    cause: error,
    details: code === undefined ? {} : { driverCode: code },
  })
}

/**
 * What a transaction body threw is the caller's own (a handler's verdict) and passes unchanged; anything else
 * (BEGIN, COMMIT, the connection) is typed by `databaseError`. Statements inside are typed by `queryable`.
 */
export function ownErrors<T>() {
  let thrown: unknown
  return {
    mark: (error: unknown): T => {
      thrown = error
      throw error
    },
    map: (error: unknown): unknown => (error === thrown ? error : databaseError(error)),
  }
}
