import { migrate } from './migrate.ts'
import type { Database, Migration } from './types.ts'

// The tables of @grimos/events itself. Each script is idempotent, so a database that got the tables some other
// way (an older copy, a hand-made schema) migrates cleanly. Never edit an applied migration: add a new one.

export const outboxTable = 'grimos_outbox'
export const processedEventsTable = 'grimos_processed_events'

export const eventsMigrations: readonly Migration[] = [
  {
    id: 'grimos-events-001-outbox',
    sql: `
      create table if not exists ${outboxTable} (
        id bigint generated always as identity primary key,
        event_id uuid not null unique,
        topic text not null,
        message_key text not null,
        event_type text not null,
        payload jsonb not null,
        headers jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        sent_at timestamptz,
        attempts integer not null default 0,
        last_error text,
        status text not null default 'pending' check (status in ('pending', 'sent', 'failed'))
      );
      create index if not exists ${outboxTable}_pending_idx on ${outboxTable} (id) where status = 'pending';
      create index if not exists ${outboxTable}_sent_at_idx on ${outboxTable} (sent_at) where status = 'sent';
    `,
  },
  {
    id: 'grimos-events-002-processed-events',
    sql: `
      create table if not exists ${processedEventsTable} (
        consumer_group text not null,
        event_id text not null,
        processed_at timestamptz not null default now(),
        primary key (consumer_group, event_id)
      );
      create index if not exists ${processedEventsTable}_processed_at_idx on ${processedEventsTable} (processed_at);
    `,
  },
]

/** Creates or updates the library's own tables (outbox, processed events). */
export async function migrateEventsSchema(db: Database): Promise<string[]> {
  return await migrate(db, eventsMigrations)
}
