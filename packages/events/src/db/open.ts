import { eventsEnv } from '../env.ts'
import { GrimError, messageOf } from '../errors.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { DatabaseOptionsSchema, databaseDefaults } from './options.ts'
import { openPglite } from './pglite.ts'
import { openPostgres } from './postgres.ts'
import type { Database } from './types.ts'

export type DatabaseOptions = OptionsInput<typeof DatabaseOptionsSchema>

/** Opens PostgreSQL when a URL is known, else PGlite; the same SQL and migrations run on both. */
export async function openDatabase(options?: DatabaseOptions): Promise<Database> {
  const resolved = resolveOptions('database', DatabaseOptionsSchema, databaseDefaults, options, {
    url: eventsEnv().databaseUrl,
  })
  try {
    return resolved.url
      ? await openPostgres(resolved.url, resolved.schema, resolved.maxConnections)
      : await openPglite(resolved.dataDir, resolved.schema)
  } catch (error) {
    const where = resolved.url ? `PostgreSQL at ${redact(resolved.url)}` : `PGlite in ${resolved.dataDir ?? 'memory'}`
    throw new GrimError('GRIM_DATABASE_FAILED', `opening ${where} failed: ${messageOf(error)}`, {
      cause: error,
    })
  }
}

/** Connection URLs may carry a password; it never reaches a message. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
