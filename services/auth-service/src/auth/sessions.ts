import type { Queryable } from '../db.ts'

export interface SessionRow {
  id: string
  user_id: string
  refresh_jti: string
  expires_at: Date
  revoked_at: Date | null
}

const columns = 'id::text as id, user_id::text as user_id, refresh_jti::text as refresh_jti, expires_at, revoked_at'

export async function insertSession(
  tx: Queryable,
  session: { id: string; userId: string; refreshJti: string; expiresAt: Date },
): Promise<void> {
  await tx.query(
    'insert into auth_sessions (id, user_id, refresh_jti, expires_at) values ($1::uuid, $2::uuid, $3::uuid, $4)',
    [session.id, session.userId, session.refreshJti, session.expiresAt],
  )
}

export async function findSession(db: Queryable, id: string, forUpdate = false): Promise<SessionRow | undefined> {
  const [row] = await db.query<SessionRow>(
    `select ${columns} from auth_sessions where id = $1::uuid${forUpdate ? ' for update' : ''}`,
    [id],
  )
  return row
}

/** Whether an access token of this session may still be used: the session is open and its user exists. */
export async function isSessionActive(db: Queryable, sessionId: string, userId: string): Promise<boolean> {
  const rows = await db.query(
    `select 1 from auth_sessions s join auth_users u on u.id = s.user_id
     where s.id = $1::uuid and s.user_id = $2::uuid and s.revoked_at is null and u.deleted_at is null
       and u.is_active`,
    [sessionId, userId],
  )
  return rows.length > 0
}

export async function rotateRefreshToken(tx: Queryable, id: string, refreshJti: string, expiresAt: Date) {
  await tx.query(
    'update auth_sessions set refresh_jti = $2::uuid, expires_at = $3, refreshed_at = now() where id = $1::uuid',
    [id, refreshJti, expiresAt],
  )
}

/** Revokes one session; resolves whether it was still open. */
export async function revokeSession(tx: Queryable, id: string, reason: string): Promise<boolean> {
  const rows = await tx.query(
    `update auth_sessions set revoked_at = now(), revoke_reason = $2
     where id = $1::uuid and revoked_at is null returning 1`,
    [id, reason],
  )
  return rows.length > 0
}

/** Revokes every open session of a user, except `keep` (the caller's own, on a password change). */
export async function revokeUserSessions(tx: Queryable, userId: string, reason: string, keep?: string) {
  await tx.query(
    `update auth_sessions set revoked_at = now(), revoke_reason = $2
     where user_id = $1::uuid and revoked_at is null and ($3::uuid is null or id <> $3::uuid)`,
    [userId, reason, keep ?? null],
  )
}

/**
 * Deletes sessions that ended (expired, or revoked) more than `retentionDays` ago: a session that can never be
 * used again is kept only as long as someone might look into an incident. Resolves how many.
 */
export async function pruneEndedSessions(db: Queryable, retentionDays: number): Promise<number> {
  const rows = await db.query(
    `delete from auth_sessions
     where least(expires_at, coalesce(revoked_at, expires_at)) <= now() - make_interval(days => $1::int)
     returning 1`,
    [retentionDays],
  )
  return rows.length
}
