import { type Database, migrate, migrateEventsSchema, openDatabase } from './events.ts'
import { auditLogTable } from './read-model/audit-log.ts'
import { userChangesTable, usersTable } from './read-model/users.ts'

// The service's own tables, next to the library's processed-events table in the same database, so a handler's
// writes and the processed mark commit in one transaction. Never edit an applied migration: add a new one.
export const consumerMigrationsTable = 'event_consumer_migrations'

export const consumerMigrations = [
  {
    id: 'event-consumer-001-user-directory',
    sql: `
      create table if not exists ${usersTable} (
        id text primary key,
        email text not null,
        full_name text,
        is_active boolean not null,
        is_superuser boolean not null,
        roles jsonb not null default '[]'::jsonb,
        email_verified boolean not null default false,
        deleted boolean not null default false,
        deleted_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        last_event_id text not null,
        version integer not null
      );
      create table if not exists ${userChangesTable} (
        event_id text primary key,
        user_id text not null,
        event_type text not null,
        occurred_at timestamptz not null,
        outcome text not null check (outcome in ('applied', 'stale', 'ignored')),
        recorded_at timestamptz not null default now()
      );
      create index if not exists ${userChangesTable}_user_idx on ${userChangesTable} (user_id, occurred_at);
    `,
  },
  {
    id: 'event-consumer-002-security-audit-log',
    sql: `
      create table if not exists ${auditLogTable} (
        event_id text primary key,
        user_id text not null,
        event_type text not null,
        occurred_at timestamptz not null,
        source_ip text,
        user_agent text,
        request_id text,
        outcome text not null check (outcome in ('success', 'failure')),
        details jsonb not null default '{}'::jsonb,
        recorded_at timestamptz not null default now()
      );
      create index if not exists ${auditLogTable}_user_idx on ${auditLogTable} (user_id, occurred_at, event_id);
    `,
  },
  {
    id: 'event-consumer-003-erasure-and-retention',
    sql: `
      -- A deleted user keeps an id and times only: email, name and roles become null (docs/privacy.md).
      alter table ${usersTable} alter column email drop not null;
      alter table ${usersTable} alter column roles drop not null;
      -- What earlier versions kept of users deleted before this migration is erased now, like a new deletion.
      update ${usersTable} set email = null, full_name = null, roles = null, email_verified = false
        where deleted and (email is not null or full_name is not null or roles is not null);
      update ${auditLogTable} set source_ip = null, user_agent = null
        where user_id in (select id from ${usersTable} where deleted)
          and (source_ip is not null or user_agent is not null);
      -- The retention job deletes by event time.
      create index if not exists ${auditLogTable}_occurred_idx on ${auditLogTable} (occurred_at);
    `,
  },
] as const

export interface ServiceDatabaseOptions {
  /** PostgreSQL URL; without one, PGlite (in `dataDir`, else in memory). */
  url?: string
  dataDir?: string
  schema?: string
}

/** Opens the database and brings both the library's tables and the service's up to date. */
export async function openServiceDatabase(options: ServiceDatabaseOptions): Promise<Database> {
  const db = await openDatabase({ url: options.url, dataDir: options.dataDir, schema: options.schema })
  try {
    await migrateServiceSchema(db)
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}

export async function migrateServiceSchema(db: Database): Promise<void> {
  await migrateEventsSchema(db)
  await migrate(db, consumerMigrations, consumerMigrationsTable)
}
