// Runs one test body against both engines: the shared PostgreSQL (in a schema of its own, dropped afterwards)
// and an in-memory PGlite. Not a test file itself.
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { databaseUrl } from '../../../../test/support/index.ts'
import { type Database, type DatabaseEngine, migrateEventsSchema, openDatabase } from '../../src/db/index.ts'

export const engines: readonly DatabaseEngine[] = ['postgres', 'pglite']

export function uniqueSchema(prefix: string): string {
  return `test_${prefix.replace(/[^a-z0-9_]/g, '_')}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
}

/** Opens a fresh, migrated database on `engine`; `cleanup` closes it (and drops the PostgreSQL schema). */
export async function openTestDatabase(
  engine: DatabaseEngine,
  prefix: string,
): Promise<{ db: Database; cleanup: () => Promise<void> }> {
  const schema = uniqueSchema(prefix)
  const db = engine === 'postgres' ? await openDatabase({ url: databaseUrl, schema }) : await openDatabase({ schema })
  await migrateEventsSchema(db)
  return {
    db,
    cleanup: async () => {
      if (engine === 'postgres') await db.exec(`drop schema if exists "${schema}" cascade`)
      await db.close()
    },
  }
}

/** Declares `name` once per engine, each with its own database. */
export function testOnEachEngine(name: string, body: (db: Database, engine: DatabaseEngine) => Promise<void>): void {
  for (const engine of engines) {
    test(`${name} [${engine}]`, async () => {
      const { db, cleanup } = await openTestDatabase(engine, name.slice(0, 12))
      try {
        await body(db, engine)
      } finally {
        await cleanup()
      }
    })
  }
}
