import { mkdirSync } from 'node:fs'
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite'
import { databaseError, ownErrors } from './errors.ts'
import type { AdvisoryLock, Database, Queryable, Transaction } from './types.ts'

function queryable(target: PGlite | PgliteTransaction): Queryable {
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        const result = await target.query<T>(text, params as unknown[])
        return result.rows
      } catch (error) {
        throw databaseError(error)
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await target.exec(script)
      } catch (error) {
        throw databaseError(error)
      }
    },
  }
}

/** PGlite keeps no books on failed statements: plain SAVEPOINT statements, numbered so that they can nest. */
function transaction(tx: PgliteTransaction): Transaction {
  const inner = queryable(tx)
  let depth = 0
  return {
    ...inner,
    async savepoint<T>(fn: (scope: Queryable) => Promise<T>): Promise<T> {
      const name = `grimos_savepoint_${++depth}`
      try {
        await inner.query(`savepoint ${name}`)
        let result: T
        try {
          result = await fn(inner)
        } catch (error) {
          await inner.query(`rollback to savepoint ${name}`)
          await inner.query(`release savepoint ${name}`)
          throw error
        }
        await inner.query(`release savepoint ${name}`)
        return result
      } finally {
        depth--
      }
    },
  }
}

/**
 * The embedded PGlite: one connection in this process. PGlite itself runs every query and transaction under one
 * mutex, so concurrent transactions never interleave; the flip side is that a query on the database (not on `tx`)
 * from inside a transaction would wait for that transaction forever. Only one process may open a data folder.
 */
export async function openPglite(dataDir: string | undefined, schema: string): Promise<Database> {
  // PGlite creates the data folder but not its parents; a fresh checkout has neither.
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const pglite = await PGlite.create(dataDir)
  await pglite.exec(`create schema if not exists "${schema}"; set search_path to "${schema}"`)
  const root = queryable(pglite)
  // Advisory locks of one session are re-entrant, and PGlite has one session: the election is in process memory.
  const held = new Set<string>()

  return {
    engine: 'pglite',
    schema,
    query: root.query,
    exec: root.exec,
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      const own = ownErrors<T>()
      try {
        return await pglite.transaction((tx) => fn(transaction(tx)).catch(own.mark))
      } catch (error) {
        throw own.map(error)
      }
    },
    async tryAdvisoryLock(name: string): Promise<AdvisoryLock | undefined> {
      if (held.has(name) || pglite.closed) return undefined
      held.add(name)
      let released = false
      return {
        name,
        async isHeld() {
          return !released && !pglite.closed
        },
        async release() {
          released = true
          held.delete(name)
        },
      }
    },
    async close() {
      held.clear()
      if (!pglite.closed) await pglite.close()
    },
  }
}
