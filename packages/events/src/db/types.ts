/** Anything SQL can be sent to: the database itself or an open transaction. Parameters are `$1`-style. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>
}

/** An open transaction. */
export interface Transaction extends Queryable {
  /**
   * Runs `fn` in a savepoint: when it throws, its statements are rolled back (the rest of the transaction stands
   * and goes on) and the error propagates. A statement that failed inside does not doom the transaction.
   */
  savepoint<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
}

export type DatabaseEngine = 'postgres' | 'pglite'

export interface Database extends Queryable {
  readonly engine: DatabaseEngine
  /** The schema every unqualified name resolves to (the first entry of search_path). */
  readonly schema: string
  /** Commits when `fn` resolves, rolls back when it throws. On PGlite, transactions run one at a time. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>
  /**
   * Tries to take a session-level advisory lock named `name` (scoped to the current schema) without waiting.
   * Resolves `undefined` when another holder has it. Used to elect one active worker per database.
   */
  tryAdvisoryLock(name: string): Promise<AdvisoryLock | undefined>
  close(): Promise<void>
}

export interface AdvisoryLock {
  readonly name: string
  /** False once the session that held the lock is gone (connection lost, database closed). */
  isHeld(): Promise<boolean>
  release(): Promise<void>
}

export interface Migration {
  /** Stable and unique: applied migrations are recorded by id. Prefix with the owner, e.g. `events-001-outbox`. */
  id: string
  sql: string
}
