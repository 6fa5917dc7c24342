export { InMemoryProcessedEventStore, type InMemoryProcessedEventStoreOptions } from './memory-store.ts'
export { InMemoryProcessedEventStoreOptionsSchema, inMemoryProcessedEventStoreDefaults } from './options.ts'
export { PostgresProcessedEventStore } from './postgres-store.ts'
export type { ProcessedEventKey, ProcessedEventStore, RunOnceResult } from './types.ts'
