import type { Logger } from 'pino'
import type { Queryable } from '../events.ts'
import { pruneAuditLog } from './audit-log.ts'

// The audit log's retention, enforced here rather than by hand: rows older than the retention are deleted once at
// start and then every interval. Only this job deletes audit rows (docs/privacy.md).

export interface AuditRetentionOptions {
  retentionDays: number
  intervalMs: number
  logger: Logger
}

export interface AuditRetention {
  /** One sweep now; resolves how many rows it deleted. */
  runOnce(): Promise<number>
  /** No further sweeps; waits for one that is running, so the database can close after it. */
  stop(): Promise<void>
}

export function startAuditLogRetention(db: Queryable, options: AuditRetentionOptions): AuditRetention {
  const { retentionDays, logger } = options
  let running: Promise<number> | undefined
  const runOnce = (): Promise<number> => {
    // Sweeps never overlap: a slow one is joined, not doubled.
    running ??= pruneAuditLog(db, retentionDays).finally(() => {
      running = undefined
    })
    return running
  }
  const sweep = () => {
    runOnce().then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted, retentionDays }, 'audit log rows past their retention deleted')
      },
      // The next sweep tries again; rows past retention stay one interval longer, which the log says.
      (error: unknown) => logger.warn({ err: error, retentionDays }, 'audit log retention sweep failed'),
    )
  }
  const timer = setInterval(sweep, options.intervalMs)
  timer.unref()
  sweep()
  return {
    runOnce,
    async stop() {
      clearInterval(timer)
      // Its failure was already logged by the sweep that started it; stopping only waits for it to end.
      await running?.catch(() => undefined)
    },
  }
}
