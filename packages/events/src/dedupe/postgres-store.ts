import { processedEventsTable } from '../db/migrations.ts'
import type { Database, Queryable } from '../db/types.ts'
import { resolveOptions } from '../options.ts'
import { GroupCommit, type GroupCommitLimits } from './group-commit.ts'
import {
  groupCommitDefaults,
  PostgresProcessedEventStoreOptionsSchema,
  postgresProcessedEventStoreDefaults,
} from './options.ts'
import type { ProcessedEventKey, ProcessedEventStore, RunOnceResult } from './types.ts'

export interface PostgresProcessedEventStoreOptions {
  /** `{}` or `{ maxEvents }` (default 500) for group commit (docs/dedupe.md); default `false`: one transaction per event. */
  groupCommit?: Partial<GroupCommitLimits> | false
}

/**
 * The processed-event marks in the `grimos_processed_events` table (run `migrateEventsSchema` first), on
 * PostgreSQL or PGlite. The claim is an INSERT in the handler's own transaction: a concurrent claim of the same
 * key waits on the primary key until the first commits (then skips) or rolls back (then runs). By default the
 * events ready at the same time share one transaction, each in a savepoint of its own (group-commit.ts,
 * docs/dedupe.md): one commit for many events instead of one each.
 */
export class PostgresProcessedEventStore implements ProcessedEventStore {
  readonly #db: Database
  readonly #group: GroupCommit | undefined

  constructor(db: Database, options?: PostgresProcessedEventStoreOptions) {
    this.#db = db
    const { groupCommit } = options ?? {}
    const resolved = resolveOptions(
      'PostgreSQL processed-event store',
      PostgresProcessedEventStoreOptionsSchema,
      postgresProcessedEventStoreDefaults,
      {
        groupCommit:
          groupCommit === false || groupCommit === undefined ? groupCommit : { ...groupCommitDefaults, ...groupCommit },
      },
    )
    this.#group = resolved.groupCommit === false ? undefined : new GroupCommit(db, resolved.groupCommit)
  }

  runOnce<T>(key: ProcessedEventKey, work: (tx: Queryable | undefined) => Promise<T>): Promise<RunOnceResult<T>> {
    return this.#group ? this.#group.run(key, work) : this.#alone(key, work)
  }

  /** One transaction for one event. */
  async #alone<T>(key: ProcessedEventKey, work: (tx: Queryable | undefined) => Promise<T>): Promise<RunOnceResult<T>> {
    return await this.#db.transaction(async (tx): Promise<RunOnceResult<T>> => {
      const claimed = await tx.query(
        `insert into ${processedEventsTable} (consumer_group, event_id) values ($1, $2)
         on conflict do nothing returning event_id`,
        [key.consumerGroup, key.eventId],
      )
      if (claimed.length === 0) return { ran: false }
      return { ran: true, result: await work(tx) }
    })
  }

  async has(key: ProcessedEventKey): Promise<boolean> {
    const rows = await this.#db.query(
      `select 1 from ${processedEventsTable} where consumer_group = $1 and event_id = $2`,
      [key.consumerGroup, key.eventId],
    )
    return rows.length > 0
  }

  /** Deletes marks older than `ms`; returns how many. Keep `ms` well above the longest possible redelivery delay. */
  async purgeOlderThan(ms: number): Promise<number> {
    const rows = await this.#db.query(
      `delete from ${processedEventsTable} where processed_at < now() - $1::float8 * interval '1 millisecond'
       returning 1`,
      [ms],
    )
    return rows.length
  }
}
