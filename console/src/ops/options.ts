import { USER_EVENTS_TOPIC } from '@grimos/events'

export interface OpsOptions {
  /** The user events topic: produce's default, the trace's main topic. */
  userEventsTopic: string
  /** Most records one message search reads before answering with a cursor (bounds time and memory). */
  maxScan: number
  /** Kafka client id of the console's clients. */
  clientId: string
  /** Consumer group whose committed offsets tell that a replayed event was handled (trace). */
  consumerGroup: string
}

export const opsDefaults: OpsOptions = {
  userEventsTopic: USER_EVENTS_TOPIC,
  maxScan: 100_000,
  clientId: 'grimos-console',
  consumerGroup: 'grimos-event-consumer',
}
