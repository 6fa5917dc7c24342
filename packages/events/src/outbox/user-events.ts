import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import {
  createUserEvent,
  type PublishUserEventInput,
  USER_EVENTS_TOPIC,
  type UserEvent,
  validateUserEvent,
} from '../catalog/index.ts'
import type { Database, Queryable } from '../db/index.ts'
import { messageOf } from '../errors.ts'
import { KafkaAdmin, KafkaProducer } from '../kafka/index.ts'
import { libraryLogger } from '../logger.ts'
import { createProducerMetrics } from '../metrics/producer.ts'
import { defaultRegistry } from '../metrics/registry.ts'
import { publisherDefaults } from '../producer/options.ts'
import { toRecord } from '../producer/record.ts'
import { EventSerde } from '../serde/index.ts'
import { injectTraceHeaders } from '../tracing/propagation.ts'
import { OutboxRelay, type OutboxRelayOptions } from './relay.ts'
import { enqueueOutboxEvent } from './store.ts'
import type { OutboxRow } from './types.ts'

// The user-event face of the outbox: services call enqueueUserEvent inside their own transaction, and run one
// relay per process (only one is active per database) that encodes rows with the registry and publishes them.

/** Validates the event and writes it to the outbox in `tx`: it is published only if `tx` commits. */
export async function enqueueUserEvent(
  tx: Queryable,
  input: PublishUserEventInput,
  options: { topic?: string } = {},
): Promise<UserEvent> {
  const event = createUserEvent(input)
  await enqueueOutboxEvent(tx, {
    eventId: event.event_id,
    topic: options.topic ?? USER_EVENTS_TOPIC,
    key: event.user_id,
    eventType: event.event_type,
    payload: event,
    // The writer's trace continues when the relay publishes, however much later that is.
    headers: injectTraceHeaders({}),
  })
  return event
}

export interface UserEventRelayOptions {
  /** Topic set up at start-up; rows carry their own topic when published. */
  topic?: string
  clientId?: string
  bootstrapBrokers?: string[]
  registryUrl?: string
  relay?: Partial<Omit<OutboxRelayOptions, 'publish'>>
  metricsRegistry?: Registry
  logger?: Logger
  /** How often the outbox gauges (pending rows, lag) are refreshed. */
  gaugeIntervalMs?: number
}

export interface UserEventRelay {
  relay: OutboxRelay
  /** Publish now instead of at the next poll (call after a commit that enqueued events). */
  wake(): void
  drain(timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts the relay. It does not need Kafka or the registry to be up: publishing failures are retried with
 * backoff until they come back, and the rows wait in the database meanwhile.
 */
export function startOutboxRelay(db: Database, options: UserEventRelayOptions = {}): UserEventRelay {
  const clientId = options.clientId ?? 'grimos-outbox-relay'
  const connection = {
    clientId,
    bootstrapBrokers: options.bootstrapBrokers,
    requestTimeoutMs: publisherDefaults.requestTimeoutMs,
  }
  const producer = new KafkaProducer(connection)
  const serdes = new Map<string, EventSerde>()
  const readyTopics = new Map<string, Promise<void>>()
  const metrics = createProducerMetrics(options.metricsRegistry ?? defaultRegistry())
  const logger = options.logger ?? libraryLogger('grimos-outbox-relay')

  // Topic creation and schema registration happen on first use, per topic, and are retried with the batch.
  const prepare = (topic: string): Promise<EventSerde> => {
    let serde = serdes.get(topic)
    if (!serde) {
      serde = new EventSerde({ registryUrl: options.registryUrl, topic })
      serdes.set(topic, serde)
    }
    const ready = serde
    let pending = readyTopics.get(topic)
    if (!pending) {
      pending = (async () => {
        const admin = new KafkaAdmin({ ...connection, clientId: `${clientId}-admin` })
        try {
          await admin.ensureTopic(topic, publisherDefaults.topicLayout)
        } finally {
          await admin.close()
        }
        await ready.registerSchemas()
      })().catch((error: unknown) => {
        readyTopics.delete(topic)
        throw error
      })
      readyTopics.set(topic, pending)
    }
    return pending.then(() => ready)
  }

  const publish = async (rows: OutboxRow[]): Promise<void> => {
    const records = []
    for (const row of rows) {
      // The row is input from storage (an older version may have written it): validated here, once, and an
      // invalid one fails alone (non-retryable).
      const event = validateUserEvent(row.payload)
      const serde = await prepare(row.topic)
      records.push(toRecord(row.topic, event, await serde.encodeValidated(event), row.headers))
    }
    await producer.send(records)
    for (const row of rows) metrics.published.inc({ event_type: row.eventType, mode: 'outbox', outcome: 'success' })
  }

  const relay = new OutboxRelay(db, {
    ...options.relay,
    publish,
    logger,
    observer: {
      onRetry: () => metrics.retries.inc({ mode: 'outbox' }),
      onFailed: (row) => metrics.published.inc({ event_type: row.eventType, mode: 'outbox', outcome: 'failure' }),
    },
  })
  relay.start()
  // The user-events topic and schemas are set up at start-up when Kafka is there; if not, the first publish
  // retries it, so a service starts while the broker is down. The producer connects meanwhile (producer id and
  // topic metadata included), so the first batch waits for neither.
  const startTopic = options.topic ?? USER_EVENTS_TOPIC
  const notReady = (error: unknown) =>
    logger.warn({ err: messageOf(error) }, 'topic, schemas or producer not ready yet; the relay retries on publish')
  const connected = producer.warm([]).then(
    () => true,
    (error: unknown) => {
      notReady(error)
      return false
    },
  )
  prepare(startTopic)
    .then(async () => {
      if (await connected) await producer.partitionCounts([startTopic])
    })
    .catch(notReady)

  const refreshGauges = async () => {
    try {
      metrics.outboxPending.set(await relay.pendingCount())
      metrics.outboxLag.set((await relay.oldestPendingAgeMs()) / 1000)
    } catch (error) {
      logger.warn({ err: messageOf(error) }, 'could not refresh outbox gauges')
    }
  }
  const gaugeTimer = setInterval(refreshGauges, options.gaugeIntervalMs ?? 5_000)
  gaugeTimer.unref()

  return {
    relay,
    wake: () => relay.wake(),
    drain: (timeoutMs) => relay.drain(timeoutMs),
    async stop() {
      clearInterval(gaugeTimer)
      await relay.stop()
      await producer.close()
      await Promise.all([...serdes.values()].map((serde) => serde.close?.()))
    },
  }
}
