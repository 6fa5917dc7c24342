import type { Queryable, UserEvent } from '../events.ts'

// The user directory: the latest state of every user, built from user_registered, user_updated, user_deleted
// and user_email_verified. Every applied event is also recorded in the changes table by event_id, which makes
// each write idempotent on its own (independent of the consumer's processed-events store) and keeps the
// history an operator can check the row against.

export const usersTable = 'user_directory'
export const userChangesTable = 'user_directory_changes'

export type DirectoryEvent = UserEvent<'user_registered' | 'user_updated' | 'user_deleted' | 'user_email_verified'>

/**
 * - applied: the row now reflects the event;
 * - duplicate: this event_id was seen before, nothing changed;
 * - stale: the row already reflects a later event (a replay of an old one), kept as it is;
 * - ignored: the user is deleted, or registered twice; nothing changed;
 * - unknown-user: no row to apply the event to yet (its user_registered has not been consumed), nothing written.
 */
export type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'unknown-user'

/** After a user_deleted, `email`, `full_name` and `roles` are null: the row keeps the id and the times only. */
export interface DirectoryUser {
  id: string
  email: string | null
  full_name: string | null
  is_active: boolean
  is_superuser: boolean
  roles: string[] | null
  email_verified: boolean
  deleted: boolean
  deleted_at: Date | null
  created_at: Date
  updated_at: Date
  last_event_id: string
  version: number
}

export interface DirectoryChange {
  event_id: string
  event_type: string
  occurred_at: Date
  outcome: 'applied' | 'stale' | 'ignored'
}

const userColumns =
  'id, email, full_name, is_active, is_superuser, roles, email_verified, deleted, deleted_at, created_at, updated_at, last_event_id, version'

/** Claims the event id; false when it was already recorded (a concurrent claim waits for the first to finish). */
async function claim(tx: Queryable, event: DirectoryEvent, outcome: DirectoryChange['outcome']): Promise<boolean> {
  const rows = await tx.query(
    `insert into ${userChangesTable} (event_id, user_id, event_type, occurred_at, outcome)
     values ($1, $2, $3, $4, $5) on conflict (event_id) do nothing returning event_id`,
    [event.event_id, event.user_id, event.event_type, event.timestamp, outcome],
  )
  return rows.length > 0
}

async function settle(tx: Queryable, eventId: string, outcome: DirectoryChange['outcome']): Promise<void> {
  await tx.query(`update ${userChangesTable} set outcome = $2 where event_id = $1`, [eventId, outcome])
}

/** Creates the row. A second registration of the same id leaves the first one's row alone. */
export async function applyRegistered(tx: Queryable, event: UserEvent<'user_registered'>): Promise<ApplyOutcome> {
  if (!(await claim(tx, event, 'applied'))) return 'duplicate'
  const inserted = await tx.query(
    `insert into ${usersTable} (id, email, full_name, is_active, is_superuser, roles, email_verified, deleted,
       created_at, updated_at, last_event_id, version)
     values ($1, $2, $3, $4, $5, $6::jsonb, false, false, $7, $7, $8, 1)
     on conflict (id) do nothing returning id`,
    snapshotParams(event),
  )
  if (inserted.length > 0) return 'applied'
  await settle(tx, event.event_id, 'ignored')
  return 'ignored'
}

/** $1..$8 of every statement that writes a user snapshot: the row's columns in one order, from the event. */
function snapshotParams(event: UserEvent): unknown[] {
  const { data } = event
  return [
    event.user_id,
    data.email,
    data.full_name,
    data.is_active,
    data.is_superuser,
    data.roles,
    event.timestamp,
    event.event_id,
  ]
}

// How each event type changes the derived flags; the snapshot columns always come from the event itself.
const derivedColumns = {
  // A new address is unverified until its own user_email_verified.
  user_updated: 'email_verified = case when email = $2 then email_verified else false end',
  user_email_verified: 'email_verified = ($2 = $9)',
} as const

/**
 * Applies the snapshot of a later event to an existing row. The row is locked first, so concurrent events of one
 * user apply one after the other; an event for a user not registered yet writes nothing and says so, and the
 * caller asks for a retry instead of inventing a row. A user_deleted goes to `applyDeleted`.
 */
export async function applySnapshot(
  tx: Queryable,
  event: UserEvent<'user_updated' | 'user_deleted' | 'user_email_verified'>,
): Promise<ApplyOutcome> {
  if (event.event_type === 'user_deleted') return await applyDeleted(tx, event)
  const [current] = await tx.query<{ deleted: boolean; newer: boolean }>(
    `select deleted, updated_at > $2::timestamptz as newer from ${usersTable} where id = $1 for update`,
    [event.user_id, event.timestamp],
  )
  if (!current) return 'unknown-user'
  if (!(await claim(tx, event, 'applied'))) return 'duplicate'
  // Deleted is final: a replay or a late retry of an older event must not bring the personal data back.
  const skipped = current.deleted ? 'ignored' : current.newer ? 'stale' : undefined
  if (skipped) {
    await settle(tx, event.event_id, skipped)
    return skipped
  }
  const params = snapshotParams(event)
  // Only the statement that compares with $9 may bind it: PostgreSQL refuses unreferenced parameters.
  if (event.event_type === 'user_email_verified') params.push(event.data.verified_email)
  await tx.query(
    `update ${usersTable} set email = $2, full_name = $3, is_active = $4, is_superuser = $5, roles = $6::jsonb,
       ${derivedColumns[event.event_type]}, updated_at = $7, last_event_id = $8, version = version + 1
     where id = $1`,
    params,
  )
  return 'applied'
}

/**
 * Erases the user: email, name and roles become null, `deleted_at` is the event's time. Unlike other events it
 * is never stale (an older deletion still deletes) and needs no row: for a user not seen yet it leaves a
 * tombstone, so a user_registered arriving later (a replay, a retry) finds the id taken and is ignored.
 * The snapshot in the event (the email as it was) is deliberately not copied.
 */
export async function applyDeleted(tx: Queryable, event: UserEvent<'user_deleted'>): Promise<ApplyOutcome> {
  const [current] = await tx.query<{ deleted: boolean }>(`select deleted from ${usersTable} where id = $1 for update`, [
    event.user_id,
  ])
  if (!(await claim(tx, event, 'applied'))) return 'duplicate'
  if (current?.deleted) {
    await settle(tx, event.event_id, 'ignored')
    return 'ignored'
  }
  const params = [event.user_id, event.timestamp, event.event_id]
  if (!current) {
    await tx.query(
      `insert into ${usersTable} (id, email, full_name, is_active, is_superuser, roles, email_verified, deleted,
         deleted_at, created_at, updated_at, last_event_id, version)
       values ($1, null, null, false, false, null, false, true, $2, $2, $2, $3, 1)`,
      params,
    )
    return 'applied'
  }
  await tx.query(
    `update ${usersTable} set email = null, full_name = null, roles = null, is_active = false,
       email_verified = false, deleted = true, deleted_at = $2, updated_at = greatest(updated_at, $2::timestamptz),
       last_event_id = $3, version = version + 1
     where id = $1`,
    params,
  )
  return 'applied'
}

/** Whether the user is erased; locks the row (shared) so a deletion running meanwhile is waited for. */
export async function isUserDeleted(tx: Queryable, id: string): Promise<boolean> {
  const [row] = await tx.query<{ deleted: boolean }>(`select deleted from ${usersTable} where id = $1 for share`, [id])
  return row?.deleted === true
}

export async function findUser(db: Queryable, id: string): Promise<DirectoryUser | undefined> {
  const [row] = await db.query<DirectoryUser>(`select ${userColumns} from ${usersTable} where id = $1`, [id])
  return row
}

/** The events recorded for a user, oldest first. */
export async function userChanges(db: Queryable, userId: string): Promise<DirectoryChange[]> {
  return await db.query<DirectoryChange>(
    `select event_id, event_type, occurred_at, outcome from ${userChangesTable}
     where user_id = $1 order by occurred_at, event_id`,
    [userId],
  )
}
