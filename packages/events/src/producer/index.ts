export {
  closePublisher,
  configurePublisher,
  publishUserEvent,
  publishUserEventInBackground,
} from './default-publisher.ts'
export { type BatchSenderLike, EventPublisher, type PublisherOptions, type PublishResult } from './publisher.ts'
export { AVRO_CONTENT_TYPE, EVENT_HEADERS, toRecord as userEventRecord } from './record.ts'
