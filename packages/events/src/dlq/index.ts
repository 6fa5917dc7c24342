export {
  buildDeadLetterHeaders,
  type DeadLetterFailure,
  type DeadLetterFormat,
  type DeadLetterInfo,
  type DeadLetterSource,
  DLQ_HEADERS,
  errorClassOf,
  isDeadLetterHeader,
  REPLAY_HEADERS,
  RETRY_HEADERS,
  readDeadLetterInfo,
  TRACEPARENT_HEADER,
} from './headers.ts'
export { deadLetterTopicOf, statusTopicOf } from './options.ts'
export { DeadLetterQueue, type DeadLetterQueueOptions } from './queue.ts'
export type {
  DeadLetterDecoder,
  DeadLetterFilter,
  DeadLetterObserver,
  DeadLetterPage,
  DeadLetterPosition,
  DeadLetterRecord,
  DeadLetterStatus,
  DeadLetterStatusEntry,
  DiscardOptions,
  ReplayManyResult,
  ReplayOptions,
  ReplayOutcome,
  ReplaySkip,
} from './types.ts'
export {
  type DeadLetterEntry,
  type DeadLetterSourceRecord,
  DeadLetterWriter,
  type DeadLetterWriterOptions,
} from './writer.ts'
