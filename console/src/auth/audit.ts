import type { Queryable } from '@grimos/events'
import type { AuditEntry, AuditPage } from '../http/schemas/index.ts'
import { toJson } from '../ops/format.ts'

// Every write action of the console and the CLI, with the principal that was authenticated (never a name the
// caller gives). Rows are appended only.

export async function recordAudit(
  db: Queryable,
  entry: { principal: string; action: string; target: string; details?: unknown },
): Promise<void> {
  // Details are bounded: a bulk action records its counts and the first positions, not everything.
  const details = toJson(entry.details ?? {})
  await db.query('insert into console_audit (principal, action, target, details) values ($1, $2, $3, $4::jsonb)', [
    entry.principal,
    entry.action,
    entry.target,
    details.length > 65_536 ? JSON.stringify({ truncated: true, bytes: details.length }) : details,
  ])
}

export async function listAudit(
  db: Queryable,
  query: { limit: number; cursor?: string; action?: string },
): Promise<AuditPage> {
  const before = query.cursor && /^\d{1,19}$/.test(query.cursor) ? query.cursor : undefined
  const rows = await db.query<{
    id: string
    at: Date | string
    principal: string
    action: string
    target: string
    details: unknown
  }>(
    `select id::text as id, at, principal, action, target, details from console_audit
      where ($1::bigint is null or id < $1::bigint) and ($2::text is null or action = $2)
      order by console_audit.id desc limit $3`,
    [before ?? null, query.action ?? null, query.limit + 1],
  )
  const entries: AuditEntry[] = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    principal: r.principal,
    action: r.action,
    target: r.target,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : r.details,
  }))
  const last = entries.at(-1)
  return rows.length > query.limit && last ? { entries, nextCursor: last.id } : { entries }
}
