import { GrimError, messageOf } from '../errors.ts'
import { advisoryKeySql } from './advisory.ts'
import { isTransientDatabaseError } from './errors.ts'
import type { Database, Migration, Queryable } from './types.ts'

const tableName = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Applies, in the given order, each migration not yet recorded in `table`, each in its own transaction
 * together with its record. Every transaction first takes a transaction-scoped advisory lock, so two processes
 * starting at once apply each migration exactly once: the second waits, then sees the first's record.
 * Returns the ids applied by this call.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  table = 'grimos_migrations',
): Promise<string[]> {
  if (!tableName.test(table))
    throw new GrimError('GRIM_CONFIG_INVALID', `migration table "${table}" must match ${tableName}`, {
      details: { table },
    })
  const ids = migrations.map((m) => m.id)
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i)
  if (duplicate !== undefined)
    throw new GrimError('GRIM_CONFIG_INVALID', `migration id "${duplicate}" appears twice in the list`, {
      details: { table, id: duplicate },
    })

  const lock = (tx: Queryable) => tx.query(`select pg_advisory_xact_lock(${advisoryKeySql})`, [`migrate:${table}`])
  // Even CREATE TABLE IF NOT EXISTS can collide when run concurrently, hence the lock here too.
  await db.transaction(async (tx) => {
    await lock(tx)
    await tx.exec(
      `create table if not exists ${table} (id text primary key, applied_at timestamptz not null default now())`,
    )
  })

  const applied: string[] = []
  for (const migration of migrations) {
    try {
      const ran = await db.transaction(async (tx) => {
        await lock(tx)
        const done = await tx.query(`select 1 from ${table} where id = $1`, [migration.id])
        if (done.length > 0) return false
        await tx.exec(migration.sql)
        await tx.query(`insert into ${table} (id) values ($1)`, [migration.id])
        return true
      })
      if (ran) applied.push(migration.id)
    } catch (error) {
      throw new GrimError(
        'GRIM_DATABASE_FAILED',
        `migration ${migration.id} failed and was rolled back: ${messageOf(error)}`,
        {
          cause: error,
          retryable: isTransientDatabaseError(error),
          details: { table, migration: migration.id, applied },
        },
      )
    }
  }
  return applied
}
