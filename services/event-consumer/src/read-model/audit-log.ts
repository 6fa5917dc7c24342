import type { Queryable, UserEvent } from '../events.ts'

// The security audit log: one row per login attempt (failed ones included), logout and password change, keyed
// by event_id so a redelivered event is recorded once. Rows are inserted; two things change them later: a
// user_deleted removes the client context (IP address, user agent) of that user's rows, and the retention job
// deletes rows older than AUDIT_LOG_RETENTION_DAYS (docs/privacy.md).

export const auditLogTable = 'security_audit_log'

export type AuditedEvent = UserEvent<'user_login' | 'user_logout' | 'user_password_changed'>
export type AuditedEventType = AuditedEvent['event_type']

export interface AuditEntry {
  event_id: string
  user_id: string
  event_type: AuditedEventType
  occurred_at: Date
  source_ip: string | null
  user_agent: string | null
  request_id: string | null
  outcome: 'success' | 'failure'
  /** What else the event said: login method and failure reason, the sessions ended, who changed the password. */
  details: Record<string, unknown>
  recorded_at: Date
}

/** The row an event becomes; nothing of the user snapshot beyond the id (the directory keeps that). */
export function auditEntryOf(event: AuditedEvent): Omit<AuditEntry, 'recorded_at' | 'occurred_at'> & {
  occurred_at: string
} {
  const common = {
    event_id: event.event_id,
    user_id: event.user_id,
    occurred_at: event.timestamp,
    source_ip: event.metadata.source_ip,
    user_agent: event.metadata.user_agent,
    request_id: event.metadata.request_id,
  }
  switch (event.event_type) {
    case 'user_login':
      return {
        ...common,
        event_type: event.event_type,
        // Compared rather than copied: anything but an explicit failure is a success, never an unknown value.
        outcome: event.data.outcome === 'failure' ? 'failure' : 'success',
        details: { login_method: event.data.login_method, failure_reason: event.data.failure_reason },
      }
    case 'user_logout':
      return {
        ...common,
        event_type: event.event_type,
        outcome: 'success',
        details: { all_sessions: event.data.all_sessions, session_id: event.data.session_id },
      }
    case 'user_password_changed':
      return {
        ...common,
        event_type: event.event_type,
        outcome: 'success',
        details: { changed_by: event.data.changed_by },
      }
  }
}

/**
 * Records the event; false when its event_id is already in the log. `erased`: the user is deleted, so the row
 * keeps who, what, outcome and when, without the client's IP address and user agent (a late or replayed event
 * must not bring them back).
 */
export async function recordAuditEvent(tx: Queryable, event: AuditedEvent, erased = false): Promise<boolean> {
  const recorded = auditEntryOf(event)
  const entry = erased ? { ...recorded, source_ip: null, user_agent: null } : recorded
  const rows = await tx.query(
    `insert into ${auditLogTable} (event_id, user_id, event_type, occurred_at, source_ip, user_agent, request_id,
       outcome, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) on conflict (event_id) do nothing returning event_id`,
    [
      entry.event_id,
      entry.user_id,
      entry.event_type,
      entry.occurred_at,
      entry.source_ip,
      entry.user_agent,
      entry.request_id,
      entry.outcome,
      entry.details,
    ],
  )
  return rows.length > 0
}

export interface AuditQuery {
  userId?: string
  eventType?: AuditedEventType
  outcome?: 'success' | 'failure'
  /** Default 100. */
  limit?: number
}

/** Entries oldest first (time, then event id: UUIDv7 ids sort by creation within one millisecond too). */
export async function listAuditEntries(db: Queryable, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const conditions: string[] = []
  const params: unknown[] = []
  const where = (column: string, value: unknown) => {
    if (value === undefined) return
    params.push(value)
    conditions.push(`${column} = $${params.length}`)
  }
  where('user_id', query.userId)
  where('event_type', query.eventType)
  where('outcome', query.outcome)
  params.push(query.limit ?? 100)
  return await db.query<AuditEntry>(
    `select event_id, user_id, event_type, occurred_at, source_ip, user_agent, request_id, outcome, details,
       recorded_at
     from ${auditLogTable} ${conditions.length > 0 ? `where ${conditions.join(' and ')}` : ''}
     order by occurred_at, event_id limit $${params.length}`,
    params,
  )
}

/** Removes the client context (IP address, user agent) from every row of a deleted user; resolves how many. */
export async function eraseAuditClientContext(tx: Queryable, userId: string): Promise<number> {
  const rows = await tx.query(
    `update ${auditLogTable} set source_ip = null, user_agent = null
     where user_id = $1 and (source_ip is not null or user_agent is not null) returning 1`,
    [userId],
  )
  return rows.length
}

/** The retention: deletes rows whose event is older than `retentionDays`; resolves how many. */
export async function pruneAuditLog(db: Queryable, retentionDays: number): Promise<number> {
  const rows = await db.query(
    `delete from ${auditLogTable} where occurred_at < now() - $1::float8 * interval '1 day' returning 1`,
    [retentionDays],
  )
  return rows.length
}
