// The one module that opens the service's database and owns its schema. Users live here, next to the outbox of
// @grimos/events, so a user change and its event commit in one transaction.
import {
  type Database,
  type Migration,
  migrate,
  migrateEventsSchema,
  openDatabase,
  type Queryable,
} from '@grimos/events'

export type { Database, Queryable }

export const authMigrationsTable = 'auth_migrations'

// Never edit an applied migration: add a new one.
export const authMigrations: readonly Migration[] = [
  {
    id: 'auth-001-users',
    sql: `
      create table if not exists auth_users (
        id uuid primary key,
        email text not null,
        password_hash text not null,
        full_name text,
        is_active boolean not null default true,
        is_superuser boolean not null default false,
        roles text[] not null default '{}',
        email_verified_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        deleted_at timestamptz
      );
      -- Deleted accounts are anonymized (their email rewritten), so the address is free again.
      create unique index if not exists auth_users_email_key on auth_users (lower(email));
    `,
  },
  {
    id: 'auth-002-sessions',
    sql: `
      -- One row per login. Access and refresh tokens carry the session id (sid): revoking the session revokes
      -- both, and refresh_jti names the only refresh token still valid (rotation; reuse revokes the session).
      create table if not exists auth_sessions (
        id uuid primary key,
        user_id uuid not null references auth_users (id),
        refresh_jti uuid not null,
        created_at timestamptz not null default now(),
        refreshed_at timestamptz,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        revoke_reason text
      );
      create index if not exists auth_sessions_user_idx on auth_sessions (user_id) where revoked_at is null;
    `,
  },
  {
    id: 'auth-003-email-verifications',
    sql: `
      -- Only a SHA-256 of the token is kept: a leaked table cannot verify anyone's address.
      create table if not exists auth_email_verifications (
        token_hash text primary key,
        user_id uuid not null references auth_users (id),
        email text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz
      );
      create index if not exists auth_email_verifications_user_idx on auth_email_verifications (user_id);
    `,
  },
  {
    id: 'auth-004-active-email-unique',
    sql: `
      -- Only live accounts claim an address. The old index covered deleted rows too, so whoever registered a
      -- deleted account's placeholder address first made that account's deletion fail. The new index is built
      -- before the old one goes, so no moment is without the constraint.
      create unique index if not exists auth_users_active_email_key on auth_users (lower(email))
        where deleted_at is null;
      drop index if exists auth_users_email_key;
    `,
  },
  {
    id: 'auth-005-rate-limits',
    sql: `
      -- Attempt counters shared by every instance: one row per bucket (an HMAC of what it counts: no address or
      -- email in clear), a fixed window that ends at expires_at. Expired rows are deleted by the service.
      create table if not exists auth_rate_limits (
        bucket text primary key,
        hits integer not null,
        expires_at timestamptz not null
      );
      create index if not exists auth_rate_limits_expiry_idx on auth_rate_limits (expires_at);
    `,
  },
  {
    id: 'auth-006-session-expiry',
    sql: `
      -- Ended sessions are deleted after a retention period (auth/sessions.ts pruneEndedSessions).
      create index if not exists auth_sessions_expiry_idx on auth_sessions (expires_at);
    `,
  },
]

export interface AuthDatabaseOptions {
  /** PostgreSQL URL; PGlite when absent. */
  url?: string
  /** PGlite folder; in memory when absent. */
  dataDir?: string
  schema?: string
}

/** Opens PostgreSQL or PGlite and brings both the outbox and the auth tables up to date. */
export async function openAuthDatabase(options: AuthDatabaseOptions): Promise<Database> {
  const db = await openDatabase({ url: options.url, dataDir: options.dataDir, schema: options.schema })
  try {
    await migrateAuthSchema(db)
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}

export async function migrateAuthSchema(db: Database): Promise<void> {
  await migrateEventsSchema(db)
  await migrate(db, authMigrations, authMigrationsTable)
}

/** A unique index refused the write (SQLSTATE 23505), on PostgreSQL and PGlite alike. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}
