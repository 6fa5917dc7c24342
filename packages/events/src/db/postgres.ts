// postgres.js 3.4.9 can crash the process when a connection closes with a write pending (porsager/postgres#1154,
// #1208): patches/postgres+3.4.9.patch, applied by patch-package on install, settles those writes instead.
import postgres from 'postgres'
import { advisoryKeySql } from './advisory.ts'
import { databaseError, isDatabaseUnreachable, ownErrors } from './errors.ts'
import type { AdvisoryLock, Database, Queryable, Transaction } from './types.ts'

type Sql = postgres.Sql

function queryable(sql: Sql | postgres.TransactionSql): Queryable {
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])
        return [...rows] as T[]
      } catch (error) {
        throw databaseError(error)
      }
    },
    async exec(script: string): Promise<void> {
      try {
        // The simple protocol is the one that accepts several statements in one round trip.
        await sql.unsafe(script).simple()
      } catch (error) {
        throw databaseError(error)
      }
    },
  }
}

/**
 * The driver's own savepoints: it tracks the failed statements of each scope, and one failed outside a savepoint
 * scope would fail the whole transaction at its end, even when the caller caught it and rolled back by hand.
 */
function transaction(tx: postgres.TransactionSql): Transaction {
  return {
    ...queryable(tx),
    async savepoint<T>(fn: (inner: Queryable) => Promise<T>): Promise<T> {
      const own = ownErrors<T>()
      try {
        return (await tx.savepoint((inner) => fn(queryable(inner)).catch(own.mark))) as T
      } catch (error) {
        throw own.map(error)
      }
    },
  }
}

/** A PostgreSQL server through a pool of `postgres` (porsager) connections. */
export async function openPostgres(url: string, schema: string, maxConnections: number): Promise<Database> {
  const sql = postgres(url, {
    max: maxConnections,
    // search_path is a startup parameter, so every pooled connection (and every reconnect) gets it.
    connection: { search_path: schema },
    // "already exists, skipping" notices of idempotent DDL are expected, not news.
    onnotice: () => undefined,
    // Seconds before a failed connection is tried again. The driver's default grows to 20 s, and queries queue
    // behind it: after an outage the pool came back up to 20 s after the server. Capped at 1-2 s instead.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 2),
  })
  const root = queryable(sql)
  // Name resolution is per statement, so connections opened before the schema exists still see it afterwards.
  // Concurrent CREATE SCHEMA IF NOT EXISTS can still collide on the catalog, so processes take turns.
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe("select pg_advisory_xact_lock(hashtext('grimos'), hashtext('create schema ' || $1::text))", [
        schema,
      ])
      await tx.unsafe(`create schema if not exists "${schema}"`)
    })
  } catch (error) {
    // A pool left open would keep the process alive after the caller gave up.
    await sql.end({ timeout: 1 })
    throw error
  }
  const locks = new Set<AdvisoryLock>()

  return {
    engine: 'postgres',
    schema,
    query: root.query,
    exec: root.exec,
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      const own = ownErrors<T>()
      try {
        return (await sql.begin((tx) => fn(transaction(tx)).catch(own.mark))) as T
      } catch (error) {
        throw own.map(error)
      }
    },
    async tryAdvisoryLock(name: string): Promise<AdvisoryLock | undefined> {
      // A session lock lives as long as its connection, so it gets a connection of its own, outside the pool.
      const session = await sql.reserve()
      let row: { locked: boolean; pid: number } | undefined
      try {
        const rows = await session.unsafe<{ locked: boolean; pid: number }[]>(
          `select pg_try_advisory_lock(${advisoryKeySql}) as locked, pg_backend_pid() as pid`,
          [name],
        )
        row = rows[0]
      } finally {
        // Only a taken lock keeps its connection; otherwise (not taken, or the query failed) the pool gets it back.
        if (!row?.locked) session.release()
      }
      if (!row?.locked) return undefined
      const pid = row.pid
      let released = false
      const lock: AdvisoryLock = {
        name,
        async isHeld() {
          if (released) return false
          try {
            // If the connection dropped and was silently re-opened, the backend (and the lock) are gone.
            const [now] = await session.unsafe<{ pid: number }[]>('select pg_backend_pid() as pid')
            return now?.pid === pid
          } catch (error) {
            // A reserved connection that lost its server stays closed: its session, and so the lock, are gone.
            // Saying so lets the holder re-elect on a fresh connection instead of asking this dead one forever.
            if (isDatabaseUnreachable(error)) return false
            throw error
          }
        },
        async release() {
          if (released) return
          released = true
          locks.delete(lock)
          try {
            await session.unsafe(`select pg_advisory_unlock(${advisoryKeySql})`, [name])
          } finally {
            session.release()
          }
        },
      }
      locks.add(lock)
      return lock
    },
    async close() {
      await Promise.allSettled([...locks].map((lock) => lock.release()))
      await sql.end({ timeout: 5 })
    },
  }
}
