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
   * Events ready together share one transaction, a savepoint each (group-commit.ts); `false`: one transaction per
   * event, as before. `maxEvents` caps a transaction, `maxOpenBatches` how many are open at once.
   */
  groupCommit: Type.Union([
    Type.Literal(false),
    Type.Object({
      maxEvents: Type.Integer({ minimum: 1, maximum: 10_000 }),
      maxOpenBatches: Type.Integer({ minimum: 1, maximum: 64 }),
    }),
  ]),
})

export const postgresProcessedEventStoreDefaults = {
  groupCommit: { maxEvents: 500, maxOpenBatches: 2 },
}
