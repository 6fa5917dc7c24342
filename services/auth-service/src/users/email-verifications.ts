import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db.ts'

/** A fresh token for the caller, and the digest that is all the database keeps. */
export function newVerificationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashVerificationToken(token) }
}

export function hashVerificationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export async function insertVerification(
  tx: Queryable,
  entry: { hash: string; userId: string; email: string; expiresAt: Date },
): Promise<void> {
  // A new request supersedes the previous ones: only the latest link works.
  await tx.query('delete from auth_email_verifications where user_id = $1::uuid and used_at is null', [entry.userId])
  await tx.query(
    'insert into auth_email_verifications (token_hash, user_id, email, expires_at) values ($1, $2::uuid, $3, $4)',
    [entry.hash, entry.userId, entry.email, entry.expiresAt],
  )
}

export interface VerificationRow {
  user_id: string
  email: string
  expires_at: Date
  used_at: Date | null
}

export async function findVerificationForUpdate(tx: Queryable, hash: string): Promise<VerificationRow | undefined> {
  const [row] = await tx.query<VerificationRow>(
    `select user_id::text as user_id, email, expires_at, used_at from auth_email_verifications
     where token_hash = $1 for update`,
    [hash],
  )
  return row
}

export async function markVerificationUsed(tx: Queryable, hash: string): Promise<void> {
  await tx.query('update auth_email_verifications set used_at = now() where token_hash = $1', [hash])
}

export async function deleteVerifications(tx: Queryable, userId: string): Promise<void> {
  await tx.query('delete from auth_email_verifications where user_id = $1::uuid', [userId])
}

/**
 * Deletes links that can no longer be used (confirmed, or expired): each row holds an email address, and one that
 * cannot verify anything has no reason to keep it. Resolves how many.
 */
export async function pruneSpentVerifications(db: Queryable): Promise<number> {
  const rows = await db.query(
    'delete from auth_email_verifications where used_at is not null or expires_at <= now() returning 1',
  )
  return rows.length
}
