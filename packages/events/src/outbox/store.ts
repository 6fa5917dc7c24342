import { outboxTable } from '../db/migrations.ts'
import type { Queryable } from '../db/types.ts'
import type { OutboxEventInput, OutboxRow, OutboxStatus } from './types.ts'

/**
 * Adds an event to the outbox. Call it with the caller's own transaction, next to the business change, so the
 * event exists exactly when the change commits. Writers of one key are serialized until their commit (a
 * transaction-scoped advisory lock), which makes outbox order equal commit order for each key: the relay can
 * then trust `id` order. A transaction enqueueing for several keys takes their locks in call order: enqueue in
 * a consistent order (e.g. sorted by key), or PostgreSQL may break a deadlock by failing one transaction.
 */
export async function enqueueOutboxEvent(tx: Queryable, event: OutboxEventInput): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext('grimos_outbox'), hashtext($1::text))", [event.key])
  await tx.query(
    `insert into ${outboxTable} (event_id, topic, message_key, event_type, payload, headers)
     values ($1::uuid, $2, $3, $4, $5::text::jsonb, $6::text::jsonb)`,
    [
      event.eventId,
      event.topic,
      event.key,
      event.eventType,
      JSON.stringify(event.payload),
      JSON.stringify(event.headers ?? {}),
    ],
  )
}

interface OutboxRecord {
  id: number | string
  event_id: string
  topic: string
  message_key: string
  event_type: string
  payload: unknown
  headers: Record<string, string>
  created_at: Date
  attempts: number
  last_error: string | null
  status: OutboxStatus
}

// postgres returns bigint as a string, PGlite as a number; ids stay far below 2^53.
const toRow = (r: OutboxRecord): OutboxRow => ({
  id: Number(r.id),
  eventId: r.event_id,
  topic: r.topic,
  key: r.message_key,
  eventType: r.event_type,
  payload: r.payload,
  headers: r.headers,
  createdAt: r.created_at,
  attempts: r.attempts,
  lastError: r.last_error,
  status: r.status,
})

const idList = (ids: readonly number[]) => ids.join(',')
const idMatch = "id = any(string_to_array($1::text, ',')::bigint[])"

/**
 * The oldest pending rows, leaving out `except` (rows under way, not marked yet). Always a fresh scan from the
 * oldest pending id, never a cursor: a row committed late with a smaller id is picked up in id order.
 */
export async function fetchPending(db: Queryable, limit: number, except: readonly number[] = []): Promise<OutboxRow[]> {
  const rows = except.length
    ? await db.query<OutboxRecord>(
        `select * from ${outboxTable} where status = 'pending'
         and id <> all(string_to_array($2::text, ',')::bigint[]) order by id limit $1::int`,
        [limit, idList(except)],
      )
    : await db.query<OutboxRecord>(`select * from ${outboxTable} where status = 'pending' order by id limit $1::int`, [
        limit,
      ])
  return rows.map(toRow)
}

export async function fetchByStatus(db: Queryable, status: OutboxStatus, limit = 1000): Promise<OutboxRow[]> {
  const rows = await db.query<OutboxRecord>(
    `select * from ${outboxTable} where status = $1 order by id limit $2::int`,
    [status, limit],
  )
  return rows.map(toRow)
}

export async function markSent(db: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.query(
    `update ${outboxTable} set status = 'sent', sent_at = now(), attempts = attempts + 1 where ${idMatch}`,
    [idList(ids)],
  )
}

export async function recordAttemptFailed(db: Queryable, ids: readonly number[], error: string): Promise<void> {
  if (ids.length === 0) return
  await db.query(`update ${outboxTable} set attempts = attempts + 1, last_error = $2 where ${idMatch}`, [
    idList(ids),
    error,
  ])
}

export async function markFailed(db: Queryable, id: number, error: string): Promise<void> {
  await db.query(
    `update ${outboxTable} set status = 'failed', attempts = attempts + 1, last_error = $2 where id = $1::bigint`,
    [id, error],
  )
}

export async function countPending(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from ${outboxTable} where status = 'pending'`)
  return row?.n ?? 0
}

/** Age of the oldest unsent row in ms; 0 when none is waiting. */
export async function oldestPendingAge(db: Queryable): Promise<number> {
  const [row] = await db.query<{ age: number | null }>(
    `select (extract(epoch from now() - min(created_at)) * 1000)::float8 as age
     from ${outboxTable} where status = 'pending'`,
  )
  return Math.max(0, Math.round(row?.age ?? 0))
}

/** Deletes sent rows older than `ms`; failed rows stay for an operator. */
export async function purgeSent(db: Queryable, ms: number): Promise<number> {
  const rows = await db.query(
    `delete from ${outboxTable} where status = 'sent' and sent_at < now() - $1::float8 * interval '1 millisecond'
     returning 1`,
    [ms],
  )
  return rows.length
}
