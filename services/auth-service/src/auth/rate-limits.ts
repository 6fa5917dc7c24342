import { createHmac } from 'node:crypto'
import type { Queryable } from '../db.ts'

// Attempt counters in the database, so every instance behind a load balancer spends the same budget. A fixed
// window per bucket: the first hit opens it, one upsert counts atomically (concurrent hits serialize on the row).

export interface CountedHit {
  /** Hits in the current window, this one included. */
  hits: number
  /** Milliseconds until the window ends. */
  ttlMs: number
}

/**
 * Bucket names are keyed HMACs of what they count (address, email, user id): the table never holds them in clear,
 * and every instance (sharing the key) names a bucket alike.
 */
export function bucketName(key: string, scope: string, value: string): string {
  return `${scope}:${createHmac('sha256', key).update(value).digest('base64url')}`
}

export async function countHit(db: Queryable, bucket: string, windowMs: number): Promise<CountedHit> {
  const [row] = await db.query<{ hits: number; ttl_ms: number }>(
    `insert into auth_rate_limits as l (bucket, hits, expires_at)
       values ($1, 1, now() + $2::float8 * interval '1 millisecond')
     on conflict (bucket) do update set
       hits = case when l.expires_at <= now() then 1 else l.hits + 1 end,
       expires_at = case when l.expires_at <= now() then excluded.expires_at else l.expires_at end
     returning hits, greatest(0, extract(epoch from (expires_at - now())) * 1000)::float8 as ttl_ms`,
    [bucket, windowMs],
  )
  if (!row) throw new Error(`counting a hit on ${bucket} returned no row`)
  return { hits: row.hits, ttlMs: Number(row.ttl_ms) }
}

/** Deletes windows that have ended; resolves how many. */
export async function pruneExpiredLimits(db: Queryable): Promise<number> {
  const rows = await db.query('delete from auth_rate_limits where expires_at <= now() returning 1')
  return rows.length
}
