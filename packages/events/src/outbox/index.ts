export { OutboxRelayOptionsSchema, outboxRelayDefaults } from './options.ts'
export { OutboxRelay, type OutboxRelayOptions } from './relay.ts'
export {
  countPending,
  enqueueOutboxEvent,
  fetchByStatus,
  oldestPendingAge,
  purgeSent,
} from './store.ts'
export type {
  OutboxEventInput,
  OutboxLogger,
  OutboxObserver,
  OutboxPublish,
  OutboxRow,
  OutboxStatus,
} from './types.ts'
export { enqueueUserEvent, startOutboxRelay, type UserEventRelay, type UserEventRelayOptions } from './user-events.ts'
