// SQLSTATE classes that mean "try again later": connection exceptions (08), transaction rollbacks such as
// serialization failures and deadlocks (40), insufficient resources (53), operator intervention like a server
// restart (57P). Everything else (syntax, constraints, permissions) will fail the same way next time.
const transientSqlState = /^(08|40|53|57P)/
const transientNetwork = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|CONNECTION_(CLOSED|ENDED|DESTROYED))$/

/** Whether a database error may go away by itself (the server comes back, the deadlock clears). */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return transientSqlState.test(code) || transientNetwork.test(code)
}
