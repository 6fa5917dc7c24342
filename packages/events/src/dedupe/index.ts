export { InMemoryProcessedEventStore, type InMemoryProcessedEventStoreOptions } from './memory-store.ts'
export {
  InMemoryProcessedEventStoreOptionsSchema,
  inMemoryProcessedEventStoreDefaults,
  PostgresProcessedEventStoreOptionsSchema,
  postgresProcessedEventStoreDefaults,
} from './options.ts'
export { PostgresProcessedEventStore, type PostgresProcessedEventStoreOptions } from './postgres-store.ts'
export type { ProcessedEventKey, ProcessedEventStore, RunOnceResult } from './types.ts'
