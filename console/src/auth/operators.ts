import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Queryable } from '@grimos/events'
import argon2 from 'argon2'
import { consoleError } from '../errors.ts'
import type { OperatorAccount } from '../http/schemas/index.ts'

// Operator accounts: argon2id password hashes (OWASP baseline), two roles. The first start creates `admin`
// (role operator) and writes its generated password to an owner-only file, never to a log.

export type Role = 'viewer' | 'operator'

const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
let dummyHash: Promise<string> | undefined

export const ADMIN_PASSWORD_FILE = 'console-admin.password'

interface Row {
  username: string
  role: Role
  created_at: Date | string
  created_by: string | null
  password_hash: string
}

const account = (row: Row): OperatorAccount => ({
  username: row.username,
  role: row.role,
  createdAt: new Date(row.created_at).toISOString(),
  createdBy: row.created_by,
})

export async function listOperators(db: Queryable): Promise<OperatorAccount[]> {
  const rows = await db.query<Row>('select * from console_operators order by username limit 10000')
  return rows.map(account)
}

export async function addOperator(
  db: Queryable,
  input: { username: string; password: string; role: Role },
  by: string | null,
): Promise<OperatorAccount> {
  const hash = await argon2.hash(input.password, hashOptions)
  const rows = await db.query<Row>(
    `insert into console_operators (username, password_hash, role, created_by) values ($1, $2, $3, $4)
     on conflict (username) do nothing returning *`,
    [input.username, hash, input.role, by],
  )
  const row = rows[0]
  if (!row) throw consoleError('CONSOLE_CONFLICT', `operator ${input.username} exists already`)
  return account(row)
}

export async function removeOperator(db: Queryable, username: string): Promise<void> {
  const rows = await db.query<Row>('select * from console_operators')
  const target = rows.find((r) => r.username === username)
  if (!target) throw consoleError('CONSOLE_NOT_FOUND', `operator ${username} does not exist`)
  if (target.role === 'operator' && rows.filter((r) => r.role === 'operator').length === 1)
    throw consoleError('CONSOLE_CONFLICT', `${username} is the last account with role operator: add another first`)
  await db.query('delete from console_operators where username = $1', [username])
}

/** The account when the password matches; the same time is spent when there is no such account. */
export async function verifyOperator(
  db: Queryable,
  username: string,
  password: string,
): Promise<{ username: string; role: Role } | undefined> {
  const [row] = await db.query<Row>('select * from console_operators where username = $1', [username])
  if (!row) {
    dummyHash ??= argon2.hash('no-operator-has-this-password', hashOptions)
    await argon2.verify(await dummyHash, password)
    return undefined
  }
  return (await argon2.verify(row.password_hash, password)) ? { username: row.username, role: row.role } : undefined
}

/**
 * Creates `admin` when there is no account at all, its password written to `<secretsDir>/console-admin.password`
 * (0600). Returns the file's path when it created the account.
 */
export async function ensureFirstOperator(db: Queryable, secretsDir: string): Promise<string | undefined> {
  const [count] = await db.query<{ n: number }>('select count(*)::int as n from console_operators')
  if ((count?.n ?? 0) > 0) return undefined
  const password = randomBytes(18).toString('base64url')
  const hash = await argon2.hash(password, hashOptions)
  const inserted = await db.query(
    `insert into console_operators (username, password_hash, role, created_by) values ('admin', $1, 'operator', 'first start')
     on conflict (username) do nothing returning username`,
    [hash],
  )
  if (inserted.length === 0) return undefined
  if (!existsSync(secretsDir)) mkdirSync(secretsDir, { recursive: true, mode: 0o700 })
  const file = join(secretsDir, ADMIN_PASSWORD_FILE)
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}
