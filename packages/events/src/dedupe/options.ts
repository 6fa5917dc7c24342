import { Type } from 'typebox'

export const InMemoryProcessedEventStoreOptionsSchema = Type.Object({
  /** Keys remembered; the least recently used are forgotten beyond this. */
  maxEntries: Type.Integer({ minimum: 1 }),
})

export const inMemoryProcessedEventStoreDefaults = {
  maxEntries: 100_000,
}
