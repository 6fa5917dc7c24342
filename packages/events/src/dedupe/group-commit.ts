// Group commit for the database store: the events that are ready at the same moment (different keys: the consumer
// runs one event per key at a time) share one transaction. Their processed marks are claimed in one statement; each
// handler then runs inside a savepoint of its own, so a handler that fails rolls back only its own writes and mark;
// one COMMIT (one WAL flush) makes the rest durable together. No caller hears "done" before that COMMIT, so a
// handler's writes and its mark still commit together or not at all, and the next event of its key cannot start
// before. Design and diagram: docs/dedupe.md.
import { processedEventsTable } from '../db/migrations.ts'
import type { Database, Queryable, Transaction } from '../db/types.ts'
import type { ProcessedEventKey, RunOnceResult } from './types.ts'

export interface GroupCommitLimits {
  /** Most events in one transaction. */
  maxEvents: number
}

interface Waiting {
  key: ProcessedEventKey
  work: (tx: Queryable) => Promise<unknown>
  resolve: (result: RunOnceResult<unknown>) => void
  reject: (error: unknown) => void
}

type Outcome = { ran: true; result: unknown } | { ran: false } | { failed: unknown }

const idOf = (key: ProcessedEventKey) => `${key.consumerGroup}\u0000${key.eventId}`

export class GroupCommit {
  readonly #db: Database
  readonly #limits: GroupCommitLimits
  #waiting: Waiting[] = []
  #open = false
  #scheduled = false

  constructor(db: Database, limits: GroupCommitLimits) {
    this.#db = db
    this.#limits = limits
  }

  run<T>(key: ProcessedEventKey, work: (tx: Queryable) => Promise<T>): Promise<RunOnceResult<T>> {
    return new Promise<RunOnceResult<T>>((resolve, reject) => {
      this.#waiting.push({ key, work, resolve: resolve as Waiting['resolve'], reject })
      // Events made ready by the same burst of records (one fetch, one slot release) join one batch.
      if (!this.#scheduled) {
        this.#scheduled = true
        queueMicrotask(() => {
          this.#scheduled = false
          this.#pump()
        })
      }
    })
  }

  #pump(): void {
    // One transaction at a time. With two open at once (the next batch's handlers running while the previous one
    // commits) the crash test at concurrency 128 found per-key order broken across a SIGKILL in 6 runs of 7, with
    // one at a time in 1 of 4; not understood yet (docs/dedupe.md), hence opt-in and one at a time.
    if (this.#open || this.#waiting.length === 0) return
    const batch = this.#take()
    this.#open = true
    void this.#commit(batch).finally(() => {
      this.#open = false
      this.#pump()
    })
  }

  /**
   * The next batch in arrival order. A second call for a key already in the batch (a redelivery racing the first)
   * waits for the next one: it must see the first one's outcome, as a concurrent claim waits on the row lock.
   */
  #take(): Waiting[] {
    const batch: Waiting[] = []
    const ids = new Set<string>()
    const later: Waiting[] = []
    let i = 0
    for (; i < this.#waiting.length && batch.length < this.#limits.maxEvents; i++) {
      const waiting = this.#waiting[i] as Waiting
      const id = idOf(waiting.key)
      if (ids.has(id)) later.push(waiting)
      else {
        ids.add(id)
        batch.push(waiting)
      }
    }
    this.#waiting = later.length > 0 ? [...later, ...this.#waiting.slice(i)] : this.#waiting.slice(i)
    return batch
  }

  async #commit(batch: Waiting[]): Promise<void> {
    const outcomes: Outcome[] = []
    try {
      await this.#db.transaction(async (tx) => {
        const claimed = await claim(tx, batch)
        for (const waiting of batch) {
          if (!claimed.has(idOf(waiting.key))) {
            outcomes.push({ ran: false })
            continue
          }
          const scope = lazySavepoint(tx)
          try {
            const result = await waiting.work(scope.queryable)
            await scope.end()
            outcomes.push({ ran: true, result })
          } catch (error) {
            // The savepoint (if the handler wrote anything) takes its writes back; its mark was claimed before it,
            // so it goes by hand.
            await scope.end(error)
            await tx.query(`delete from ${processedEventsTable} where consumer_group = $1 and event_id = $2`, [
              waiting.key.consumerGroup,
              waiting.key.eventId,
            ])
            outcomes.push({ failed: error })
          }
        }
      })
    } catch (error) {
      // Nothing of the batch was committed: every event in it failed with the cause (a redelivery runs it again).
      for (const waiting of batch) waiting.reject(error)
      return
    }
    for (const [i, waiting] of batch.entries()) {
      const outcome = outcomes[i] as Outcome
      if ('failed' in outcome) waiting.reject(outcome.failed)
      else waiting.resolve(outcome)
    }
  }
}

/**
 * A handler's view of the batch transaction: the savepoint is opened on its first statement, so a handler that
 * writes nothing (or only elsewhere) costs no statement at all, and one that writes costs one SAVEPOINT. `end()`
 * closes the savepoint (kept), `end(error)` rolls it back and swallows that error (the caller reports it).
 */
function lazySavepoint(tx: Transaction): { queryable: Queryable; end(error?: unknown): Promise<void> } {
  let inner: Promise<Queryable> | undefined
  let closed: Promise<unknown> | undefined
  let close: { resolve: () => void; reject: (error: unknown) => void } | undefined
  const open = () => {
    inner ??= new Promise<Queryable>((ready, fail) => {
      closed = tx.savepoint(
        (scope) =>
          new Promise<void>((resolve, reject) => {
            close = { resolve, reject }
            ready(scope)
          }),
      )
      // The savepoint could not be opened: the handler's statement fails with why.
      closed.catch(fail)
    })
    return inner
  }
  return {
    queryable: {
      query: (text, params) => open().then((scope) => scope.query(text, params)),
      exec: (script) => open().then((scope) => scope.exec(script)),
    },
    async end(error?: unknown) {
      if (!closed) return
      // A statement sent but not awaited by the handler may still be opening the savepoint: wait until it is open.
      await inner?.catch(() => undefined)
      if (error === undefined) {
        close?.resolve()
        await closed
        return
      }
      close?.reject(error)
      // Rolled back: the savepoint rethrows the handler's error; anything else (the rollback failed) fails the batch.
      await closed.catch((thrown: unknown) => {
        if (thrown !== error) throw thrown
      })
    },
  }
}

/**
 * Inserts the marks of the whole batch in one statement; returns the ids it inserted (the rest were processed
 * already). Sorted, so two batches that meet on a key (a redelivery) lock in the same order and cannot deadlock.
 */
async function claim(tx: Queryable, batch: Waiting[]): Promise<Set<string>> {
  const keys = batch
    .map((w) => w.key)
    .sort((a, b) => compare(a.consumerGroup, b.consumerGroup) || compare(a.eventId, b.eventId))
  const rows = await tx.query<{ consumer_group: string; event_id: string }>(
    `insert into ${processedEventsTable} (consumer_group, event_id)
     select g, e from unnest($1::text[], $2::text[]) with ordinality as k(g, e, n) order by n
     on conflict do nothing returning consumer_group, event_id`,
    [keys.map((k) => k.consumerGroup), keys.map((k) => k.eventId)],
  )
  return new Set(rows.map((row) => idOf({ consumerGroup: row.consumer_group, eventId: row.event_id })))
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
