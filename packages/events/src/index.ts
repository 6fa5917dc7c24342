// The public entry of @grimos/events. Named exports only: what is not listed here is internal.

// Catalog: the seven user events, one source of truth for types and Avro schemas.
export type {
  EventMetadata,
  PublishUserEventInput,
  UserData,
  UserDataInput,
  UserEvent,
  UserEventType,
} from './catalog/index.ts'
export {
  avroSchemaFor,
  createUserEvent,
  isUserEventType,
  recordNameFor,
  SCHEMA_VERSION,
  USER_EVENT_TYPES,
  USER_EVENTS_TOPIC,
  utcTimestampOf,
  validateUserEvent,
} from './catalog/index.ts'
// Consumer.
export type {
  ConsumerHealth,
  EventConsumer,
  EventConsumerOptions,
  EventHandler,
  EventProcessingResult,
  HandlerContext,
  HandlerOptions,
} from './consumer/index.ts'
export { createEventConsumer, retryTopicOf } from './consumer/index.ts'
// Databases (PostgreSQL or embedded PGlite), migrations.
export type { Database, DatabaseOptions, Migration, Queryable, Transaction } from './db/index.ts'
export { migrate, migrateEventsSchema, openDatabase } from './db/index.ts'
// Dedupe by event_id.
export type { ProcessedEventKey, ProcessedEventStore } from './dedupe/index.ts'
export {
  InMemoryProcessedEventStore,
  PostgresProcessedEventStore,
  type PostgresProcessedEventStoreOptions,
} from './dedupe/index.ts'
// Errors.
export type { Dependency } from './dependency.ts'
export { dependencyOutageOf, isDependencyOutage } from './dependency.ts'
// Dead letter queue.
export type {
  DeadLetterFilter,
  DeadLetterInfo,
  DeadLetterPage,
  DeadLetterPosition,
  DeadLetterRecord,
  DeadLetterStatus,
  ReplayManyResult,
  ReplayOptions,
  ReplayOutcome,
} from './dlq/index.ts'
export {
  DeadLetterQueue,
  DeadLetterWriter,
  DLQ_HEADERS,
  deadLetterTopicOf,
  REPLAY_HEADERS,
  readDeadLetterInfo,
} from './dlq/index.ts'
// Configuration.
export { parseBrokerList } from './env.ts'
export type { GrimErrorCode, GrimErrorOptions, Violation } from './errors.ts'
export { EventValidationError, errorCatalogue, GrimError, isGrimError, isRetryable } from './errors.ts'
// Kafka (our wrapper, for tools and tests that need raw access).
export type {
  BrokerInfo,
  ClusterInfo,
  CommittedOffset,
  ConnectionOptions,
  GroupDescription,
  GroupInfo,
  GroupMemberInfo,
  IncomingRecord,
  OutgoingRecord,
  PartitionLayout,
  PartitionOffsets,
  PartitionRange,
  RecordPosition,
  TopicConfigs,
} from './kafka/index.ts'
export {
  KafkaAdmin,
  KafkaGroupConsumer,
  KafkaInspector,
  KafkaProducer,
  KafkaRangeReader,
  partitionOfKey,
} from './kafka/index.ts'
export { type KafkaClients, openKafkaClients } from './kafka/shared-clients.ts'
// Metrics.
export { defaultRegistry } from './metrics/registry.ts'
// Outbox.
export type { OutboxRow, UserEventRelay, UserEventRelayOptions } from './outbox/index.ts'
export { enqueueUserEvent, OutboxRelay, startOutboxRelay } from './outbox/index.ts'
// Publishing.
export type { PublisherOptions, PublishResult } from './producer/index.ts'
export {
  AVRO_CONTENT_TYPE,
  closePublisher,
  configurePublisher,
  EVENT_HEADERS,
  EventPublisher,
  publishUserEvent,
  publishUserEventInBackground,
  userEventRecord,
} from './producer/index.ts'
// Serialization.
export type { DecodedRecord, EventSerdeOptions, RegisteredVersion, RegistryOptions } from './serde/index.ts'
export { EventSerde, registerAllSchemas, SchemaRegistryClient } from './serde/index.ts'
