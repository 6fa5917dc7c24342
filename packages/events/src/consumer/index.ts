// The event consumer: typed handlers per event type, at-least-once delivery with per-event dedupe,
// retries (in process, then through `<topic>.retry`) with per-key order kept, and `<topic>.dlq` for the rest.
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { UserEventType } from '../catalog/index.ts'
import { InMemoryProcessedEventStore, type ProcessedEventStore } from '../dedupe/index.ts'
import { DeadLetterWriter } from '../dlq/writer.ts'
import { holdKafkaClients, type KafkaClients } from '../kafka/shared-clients.ts'
import { createConsumerMetrics } from '../metrics/consumer.ts'
import { defaultRegistry } from '../metrics/registry.ts'
import { resolveOptions } from '../options.ts'
import type { Backoff } from '../retry/backoff.ts'
import { EventSerde } from '../serde/index.ts'
import { Dispatcher } from './dispatch.ts'
import { ConsumerOptionsSchema, consumerDefaults } from './options.ts'
import { OutageMonitor } from './outage.ts'
import { HandlerRegistry } from './registry.ts'
import { ConsumerRunner, type ResolvedConsumerOptions } from './runner.ts'
import type { ConsumerHealth, DeadLetterSink, EventDecoder, EventHandler, HandlerOptions } from './types.ts'

export { coPartitionedAssigner } from '../kafka/co-partition.ts'
export { ConsumerOptionsSchema, consumerDefaults, RETRY_SUFFIX, retryTopicOf } from './options.ts'
export type { OutageInfo } from './outage.ts'
export { RETRY_GROUP_HEADER, RETRY_TOKEN_HEADER } from './retry-topic.ts'
export type {
  ConsumerHealth,
  DeadLetterSink,
  EventDecoder,
  EventHandler,
  EventOutcome,
  EventProcessingResult,
  HandledRecord,
  HandlerContext,
  HandlerOptions,
} from './types.ts'

import { libraryLogger } from '../logger.ts'

export interface EventConsumerOptions
  extends Partial<
    Omit<ResolvedConsumerOptions, 'groupId' | 'topics' | 'retry' | 'retryTopicLayout' | 'outageBackoff'>
  > {
  groupId: string
  topics: string[]
  retry?: Partial<Backoff>
  outageBackoff?: Partial<ResolvedConsumerOptions['outageBackoff']>
  retryTopicLayout?: ResolvedConsumerOptions['retryTopicLayout']
  /** Decodes record values; default an EventSerde on the default registry (read-only use). */
  serde?: EventDecoder
  /** Where processed event ids are kept; default in memory; `false` turns dedupe off. */
  dedupe?: ProcessedEventStore | false
  /** Default a DeadLetterWriter (`<topic>.dlq`, created when missing). One given here is the caller's to close. */
  deadLetters?: DeadLetterSink
  /**
   * A producer and an admin to share with the rest of the process (e.g. a DeadLetterQueue); the caller closes
   * them. By default the consumer opens a pair of its own, used by the runner and its dead-letter writer.
   */
  kafka?: KafkaClients
  /** Default prom-client's global registry. */
  metricsRegistry?: Registry
  logger?: Logger
}

export interface EventConsumer {
  registerHandler<T extends UserEventType>(eventType: T, handler: EventHandler<T>, options?: HandlerOptions): void
  start(): Promise<void>
  /** Stops fetching, lets running handlers finish (GRIM_SHUTDOWN_TIMEOUT after `timeoutMs`), commits, leaves. */
  stop(options?: { timeoutMs?: number }): Promise<void>
  health(): ConsumerHealth
  readonly groupId: string
}

export function createEventConsumer(input: EventConsumerOptions): EventConsumer {
  const { serde, dedupe, deadLetters, kafka, metricsRegistry, logger, ...data } = input
  const options = resolveOptions('EventConsumer', ConsumerOptionsSchema, consumerDefaults, {
    ...data,
    retry: { ...consumerDefaults.retry, ...data.retry },
    outageBackoff: { ...consumerDefaults.outageBackoff, ...data.outageBackoff },
  })
  const registry = new HandlerRegistry(options.retry)
  const connection = { bootstrapBrokers: options.bootstrapBrokers, clientId: options.clientId }
  const decoder = serde ?? new EventSerde({ topic: options.topics[0] })
  const store = dedupe === false ? undefined : (dedupe ?? new InMemoryProcessedEventStore())
  const metrics = createConsumerMetrics(metricsRegistry ?? defaultRegistry())
  const log = logger ?? libraryLogger('grimos-consumer')
  const outages = new OutageMonitor({ backoff: options.outageBackoff, metrics, logger: log, groupId: options.groupId })
  const dispatcher = new Dispatcher({
    groupId: options.groupId,
    decoder,
    registry,
    store,
    unhandledEvents: options.unhandledEvents,
    inProcessRetryLimitMs: options.inProcessRetryLimitMs,
    metrics,
    outages,
  })
  const clients = holdKafkaClients(kafka, connection)
  const ownWriter = deadLetters ? undefined : new DeadLetterWriter({ connection, clients })
  const runner = new ConsumerRunner({
    options,
    dispatcher,
    sink: deadLetters ?? (ownWriter as DeadLetterWriter),
    clients,
    metrics,
    outages,
    logger: log,
  })
  // Only what was created here is ours to close; injected collaborators belong to the caller.
  let closing: Promise<void> | undefined
  const closeOwn = () => {
    closing ??= (async () => {
      const results = await Promise.allSettled([ownWriter?.close(), clients.release()])
      if (!serde) await (decoder as EventSerde).close()
      for (const result of results)
        if (result.status === 'rejected') log.error({ err: result.reason }, 'closing a Kafka client failed')
    })()
    return closing
  }
  return {
    groupId: options.groupId,
    registerHandler: (eventType, handler, handlerOptions) => registry.register(eventType, handler, handlerOptions),
    start: async () => {
      try {
        await runner.start()
      } catch (error) {
        // A runner starts once: what it would have used is closed now.
        await closeOwn()
        throw error
      }
    },
    stop: async (stopOptions) => {
      try {
        await runner.stop(stopOptions)
      } finally {
        await closeOwn()
      }
    },
    health: () => runner.health(),
  }
}
