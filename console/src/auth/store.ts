import { type Database, migrate, openDatabase } from '@grimos/events'

// The console's own tables (operators, sessions, audit log), in their own schema of PostgreSQL (or PGlite when
// no DATABASE_URL is set). Never edit an applied migration: add a new one.

export const consoleMigrationsTable = 'console_migrations'

export const consoleMigrations = [
  {
    id: 'console-001-operators-sessions-audit',
    sql: `
      create table if not exists console_operators (
        username text primary key,
        password_hash text not null,
        role text not null check (role in ('viewer', 'operator')),
        created_at timestamptz not null default now(),
        created_by text
      );
      create table if not exists console_sessions (
        token_hash text primary key,
        username text not null references console_operators (username) on delete cascade,
        csrf_token text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null
      );
      create index if not exists console_sessions_expiry_idx on console_sessions (expires_at);
      create table if not exists console_audit (
        id bigserial primary key,
        at timestamptz not null default now(),
        principal text not null,
        action text not null,
        target text not null,
        details jsonb not null default '{}'::jsonb
      );
      create index if not exists console_audit_action_idx on console_audit (action, id);
    `,
  },
] as const

export interface StoreOptions {
  /** postgres:// URL; without one, PGlite in `dataDir` (or memory). */
  url?: string
  dataDir?: string
  schema: string
}

export async function openConsoleStore(options: StoreOptions): Promise<Database> {
  const db = await openDatabase({ url: options.url, dataDir: options.dataDir, schema: options.schema })
  try {
    await migrate(db, consoleMigrations, consoleMigrationsTable)
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}
