import type { Queryable } from '../db.ts'

/** A row of auth_users. `password_hash` never leaves this service: responses and events map from it. */
export interface UserRow {
  id: string
  email: string
  password_hash: string
  full_name: string | null
  is_active: boolean
  is_superuser: boolean
  roles: string[]
  email_verified_at: Date | null
  created_at: Date
  updated_at: Date
  deleted_at: Date | null
}

const columns = `id::text as id, email, password_hash, full_name, is_active, is_superuser, roles, email_verified_at,
  created_at, updated_at, deleted_at`

export interface NewUser {
  id: string
  email: string
  passwordHash: string
  fullName: string | null
}

/** Inserts the user, or resolves undefined when the email (case-insensitively) is taken. */
export async function insertUser(tx: Queryable, user: NewUser): Promise<UserRow | undefined> {
  const [row] = await tx.query<UserRow>(
    `insert into auth_users (id, email, password_hash, full_name) values ($1::uuid, $2, $3, $4)
     on conflict ((lower(email))) where deleted_at is null do nothing
     returning ${columns}`,
    [user.id, user.email, user.passwordHash, user.fullName],
  )
  return row
}

export async function findActiveUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(
    `select ${columns} from auth_users where lower(email) = lower($1) and deleted_at is null`,
    [email],
  )
  return row
}

/** `forUpdate` locks the row until the transaction ends, so concurrent changes to one user serialize. */
export async function findUserById(db: Queryable, id: string, forUpdate = false): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(
    `select ${columns} from auth_users where id = $1::uuid and deleted_at is null${forUpdate ? ' for update' : ''}`,
    [id],
  )
  return row
}

export interface ProfileChange {
  email?: string
  fullName?: string | null
}

/** Applies a profile change; a new email clears the verification. */
export async function updateProfile(tx: Queryable, id: string, change: ProfileChange): Promise<UserRow> {
  const [row] = await tx.query<UserRow>(
    `update auth_users set
       email = coalesce($2, email),
       full_name = case when $3::boolean then $4 else full_name end,
       email_verified_at = case when $2::text is not null and lower($2) <> lower(email) then null
                                else email_verified_at end,
       updated_at = now()
     where id = $1::uuid
     returning ${columns}`,
    [id, change.email ?? null, change.fullName !== undefined, change.fullName ?? null],
  )
  if (!row) throw new Error(`user ${id} vanished inside its own transaction`)
  return row
}

export async function updatePasswordHash(tx: Queryable, id: string, passwordHash: string): Promise<UserRow> {
  const [row] = await tx.query<UserRow>(
    `update auth_users set password_hash = $2, updated_at = now() where id = $1::uuid returning ${columns}`,
    [id, passwordHash],
  )
  if (!row) throw new Error(`user ${id} vanished inside its own transaction`)
  return row
}

export async function markEmailVerified(tx: Queryable, id: string): Promise<UserRow> {
  const [row] = await tx.query<UserRow>(
    `update auth_users set email_verified_at = now(), updated_at = now() where id = $1::uuid returning ${columns}`,
    [id],
  )
  if (!row) throw new Error(`user ${id} vanished inside its own transaction`)
  return row
}

/**
 * Deletion keeps the row (sessions and audit trails reference the id) but erases what identifies the person:
 * the email becomes a placeholder, the name and the password hash are dropped, the account is inactive.
 * The placeholder can never collide: deleted rows are outside the unique index (auth-004), and `.invalid`
 * addresses cannot be registered (`isReservedEmail`).
 */
export async function anonymizeUser(tx: Queryable, id: string): Promise<void> {
  await tx.query(
    `update auth_users set email = 'deleted+' || id::text || '@deleted.invalid', full_name = null,
       password_hash = '', roles = '{}', is_active = false, email_verified_at = null,
       deleted_at = now(), updated_at = now()
     where id = $1::uuid`,
    [id],
  )
}

/** The placeholder domain of deleted accounts, and every other `.invalid` address (RFC 2606): never registrable. */
export function isReservedEmail(email: string): boolean {
  const domain = email.trim().toLowerCase().split('@').at(-1) ?? ''
  return /(^|\.)invalid\.?$/.test(domain)
}
