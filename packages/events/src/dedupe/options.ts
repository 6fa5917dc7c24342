import { Type } from 'typebox'

export const InMemoryProcessedEventStoreOptionsSchema = Type.Object({
  /** Keys remembered; the least recently used are forgotten beyond this. */
  maxEntries: Type.Integer({ minimum: 1 }),
})

export const inMemoryProcessedEventStoreDefaults = {
  maxEntries: 100_000,
}

export const PostgresProcessedEventStoreOptionsSchema = Type.Object({
  /**
   * Opt-in: events ready together share one transaction, a savepoint each, one transaction at a time
   * (group-commit.ts, docs/dedupe.md, which says what is still open about it); `false`: one transaction per event.
   * `maxEvents` caps a transaction.
   */
  groupCommit: Type.Union([
    Type.Literal(false),
    Type.Object({
      maxEvents: Type.Integer({ minimum: 1, maximum: 10_000 }),
    }),
  ]),
})

/** What `groupCommit: {}` means. */
export const groupCommitDefaults = { maxEvents: 500 }

export const postgresProcessedEventStoreDefaults = {
  groupCommit: false as false | { maxEvents: number },
}
