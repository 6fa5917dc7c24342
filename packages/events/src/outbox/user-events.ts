import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import {
  createUserEvent,
  type PublishUserEventInput,
  USER_EVENT_TYPES,
  USER_EVENTS_TOPIC,
  type UserEvent,
  validateUserEvent,
} from '../catalog/index.ts'
import type { Database, Queryable } from '../db/index.ts'
import { asGrimError, messageOf } from '../errors.ts'
import { KafkaAdmin, KafkaProducer, type OutgoingRecord } from '../kafka/index.ts'
import { libraryLogger } from '../logger.ts'
import { createProducerMetrics } from '../metrics/producer.ts'
import { defaultRegistry } from '../metrics/registry.ts'
import { publisherDefaults } from '../producer/options.ts'
import { partitionHash } from '../producer/partition.ts'
import { PipelinedProducer } from '../producer/pipelined-producer.ts'
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
  const metrics = createProducerMetrics(options.metricsRegistry ?? defaultRegistry())
  const logger = options.logger ?? libraryLogger('grimos-outbox-relay')
  // Several requests under way, one user's records never in two at once, and after a failure nothing later goes
  // out until the relay has dealt with it (resume). On this thread: a worker's start-up would cost the relay more
  // than building requests here does.
  const producer = new KafkaProducer(connection)
  const { maxInFlight, maxRequestRecords, lingerMs } = publisherDefaults.sendWorker
  const sender = new PipelinedProducer(producer, { maxInFlight, maxRequestRecords, lingerMs }, (topic, error) =>
    logger.warn({ topic, err: messageOf(error) }, 'could not refresh the partition count'),
  )
  const serdes = new Map<string, EventSerde>()
  const readyTopics = new Map<string, Promise<void>>()

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
        // Every id in memory, so rows are encoded without waiting (writeValidated).
        await Promise.all(USER_EVENT_TYPES.map((type) => ready.schemaIdFor(type)))
      })().catch((error: unknown) => {
        readyTopics.delete(topic)
        throw error
      })
      readyTopics.set(topic, pending)
    }
    return pending.then(() => ready)
  }

  /** Validates and encodes the rows; the partition is the key's hash, so the pipeline can cut per partition. */
  const encode = async (rows: OutboxRow[]): Promise<OutgoingRecord[]> => {
    const records: OutgoingRecord[] = []
    let serde: EventSerde | undefined
    for (const row of rows) {
      // The row is input from storage (an older version may have written it): validated here, once, and an
      // invalid one fails alone (non-retryable).
      const event = validateUserEvent(row.payload)
      if (serde?.topic !== row.topic) serde = await prepare(row.topic)
      const record = toRecord(row.topic, event, await serde.encodeValidated(event), row.headers)
      record.partition = partitionHash(Buffer.from(event.user_id))
      records.push(record)
    }
    return records
  }

  // Batches are encoded one after the other, in the order the relay hands them over, so none is sent ahead of an
  // earlier one that is still waiting for its topic's set-up; the sends themselves overlap.
  let handing: Promise<unknown> = Promise.resolve()
  const publish = (rows: OutboxRow[]): Promise<void> => {
    const what = `publishing ${rows.length} outbox rows from id ${rows[0]?.id}`
    const handed = handing.then(async () => {
      try {
        return { sent: sender.send(await encode(rows), what) }
      } catch (error) {
        // In turn, and holding back later batches until the relay resumes, like a send that failed.
        return { sent: sender.failInTurn(asGrimError(error, 'GRIM_PUBLISH_FAILED')) }
      }
    })
    handing = handed
    return handed.then(async ({ sent }) => {
      await sent
      for (const row of rows) metrics.published.inc({ event_type: row.eventType, mode: 'outbox', outcome: 'success' })
    })
  }

  const relay = new OutboxRelay(db, {
    ...options.relay,
    publish,
    // Two batches under way keep the worker's requests full while the next batch is read and encoded.
    pipeline: { batchesInFlight: 2, resume: () => sender.resume() },
    logger,
    observer: {
      onRetry: () => metrics.retries.inc({ mode: 'outbox' }),
      onFailed: (row) => metrics.published.inc({ event_type: row.eventType, mode: 'outbox', outcome: 'failure' }),
    },
  })
  relay.start()
  // The user-events topic and schemas are set up at start-up when Kafka is there; if not, the first publish
  // retries it, so a service starts while the broker is down. The producer connects meanwhile (producer id
  // included), then loads the topic's partition count, so the first batch waits for none of it.
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
      if (await connected) await sender.warm(startTopic)
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
      await sender.idle()
      await producer.close()
      await Promise.all([...serdes.values()].map((serde) => serde.close?.()))
    },
  }
}
