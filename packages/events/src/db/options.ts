import { Type } from 'typebox'

// A URL (option, or DATABASE_URL through env.ts) means a PostgreSQL server; without one the embedded PGlite keeps
// services runnable with no infrastructure.
export const DatabaseOptionsSchema = Type.Object({
  /** PostgreSQL (`postgres://…`); DATABASE_URL. Without one, the embedded PGlite. */
  url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PGlite data folder; in memory when absent. Ignored when `url` is set. */
  dataDir: Type.Optional(Type.String({ minLength: 1 })),
  /** Becomes search_path and is created when missing. A plain identifier, so it never needs quoting rules. */
  schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
  /** Pool size for PostgreSQL. */
  maxConnections: Type.Integer({ minimum: 1, maximum: 200 }),
})

export const databaseDefaults = {
  schema: 'public',
  maxConnections: 10,
}
