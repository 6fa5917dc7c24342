import swagger from '@fastify/swagger'
import {
  createServiceApp,
  createServiceRegistry,
  operatorAuth,
  registerHealthRoutes,
  registerMetricsRoute,
  type ServiceApp,
} from '@grimos/service-kit'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import { openServiceDatabase } from './db.ts'
import {
  createEventConsumer,
  type Database,
  DeadLetterQueue,
  type EventConsumer,
  type EventConsumerOptions,
  EventSerde,
  PostgresProcessedEventStore,
  parseBrokerList,
} from './events.ts'
import { registerUserEventHandlers, userEventHandlers } from './handlers/index.ts'
import { registerDlqRoutes } from './http/dlq-routes.ts'
import { readModelWritesCounter } from './http/metrics.ts'
import { registerReadRoutes } from './http/read-routes.ts'
import type { ServiceConfig } from './options.ts'
import { startAuditLogRetention } from './read-model/retention.ts'

export const serviceName = 'event-consumer'

/** Consumer settings a test or an operator may tune (retry policy, timeouts); the wiring itself is fixed. */
export type ConsumerTuning = Omit<
  EventConsumerOptions,
  'groupId' | 'topics' | 'serde' | 'dedupe' | 'metricsRegistry' | 'logger' | 'bootstrapBrokers'
>

export interface ConsumerServiceOptions {
  config: ServiceConfig
  operatorToken: string
  /** A ready logger (tests pass a silent one); by default one is made from LOG_LEVEL. */
  logger?: Logger
  consumer?: ConsumerTuning
}

export interface ConsumerService {
  app: ServiceApp
  consumer: EventConsumer
  dlq: DeadLetterQueue
  db: Database
  registry: Registry
}

const startingStates = new Set(['created', 'starting', 'stopping'])

/**
 * Builds the whole service without starting anything that talks to Kafka: the database (migrated), the consumer
 * with its handlers, the DLQ browser and the HTTP routes. `app.close()` shuts everything down in order: the
 * consumer first (it finishes running handlers and commits), then HTTP, then the DLQ clients and the database.
 */
export async function buildConsumerService(options: ConsumerServiceOptions): Promise<ConsumerService> {
  const { config } = options
  const app = createServiceApp({
    name: serviceName,
    ...(options.logger ? { loggerInstance: options.logger } : { logger: { level: config.LOG_LEVEL } }),
  })
  const db = await openServiceDatabase({
    url: config.DATABASE_URL,
    dataDir: config.PGLITE_DATA_DIR,
    schema: config.DATABASE_SCHEMA,
  })
  try {
    return await wire(app, db, options)
  } catch (error) {
    // Nothing was started yet, but the database is open: close it so a failed build leaves nothing behind.
    await db.close()
    throw error
  }
}

async function wire(app: ServiceApp, db: Database, options: ConsumerServiceOptions): Promise<ConsumerService> {
  const { config } = options
  const logger = app.log as Logger
  // The service's config (read from the environment once at start, or built by a test) names brokers and registry;
  // what it leaves unset, and the credentials, come from the environment through @grimos/events (env.ts).
  const bootstrapBrokers = parseBrokerList(config.KAFKA_BOOTSTRAP_SERVERS)
  const dlqPrincipal =
    config.DLQ_KAFKA_SASL_USERNAME && config.DLQ_KAFKA_SASL_PASSWORD
      ? {
          sasl: {
            mechanism: config.DLQ_KAFKA_SASL_MECHANISM,
            username: config.DLQ_KAFKA_SASL_USERNAME,
            password: config.DLQ_KAFKA_SASL_PASSWORD,
          },
        }
      : {}
  // The DLQ API replays into the source topic, which only the operator principal may write (acls.ts).
  const connection = { bootstrapBrokers, clientId: `${serviceName}-dlq`, ...dlqPrincipal }
  // Reads only: a consumer never registers schemas, it resolves the writer's schema by the id in each record.
  const serde = new EventSerde({
    registryUrl: config.SCHEMA_REGISTRY_URL,
    topic: config.USER_EVENTS_TOPIC,
    autoRegister: false,
  })
  const registry = createServiceRegistry(serviceName)
  const writes = readModelWritesCounter(registry)

  const consumer = createEventConsumer({
    ...options.consumer,
    groupId: config.CONSUMER_GROUP_ID,
    topics: [config.USER_EVENTS_TOPIC],
    bootstrapBrokers,
    clientId: serviceName,
    serde,
    dedupe: new PostgresProcessedEventStore(db),
    metricsRegistry: registry,
    logger: logger.child({ component: 'consumer' }),
  })
  registerUserEventHandlers(
    consumer,
    userEventHandlers((eventType, outcome) => writes.inc({ event_type: eventType, outcome })),
  )

  const dlqDecisions = new Counter({
    name: 'grimos_event_consumer_dlq_decisions_total',
    help: 'Dead letters replayed or discarded through the DLQ API',
    labelNames: ['decision'] as const,
    registers: [registry],
  })
  const dlq = new DeadLetterQueue({
    sourceTopic: config.USER_EVENTS_TOPIC,
    connection,
    decoder: serde,
    observer: {
      onReplay: (count) => dlqDecisions.inc({ decision: 'replayed' }, count),
      onDiscard: () => dlqDecisions.inc({ decision: 'discarded' }),
    },
  })

  app.addHook('preClose', async () => {
    // A failed stop must not keep the database open: it is logged and the shutdown goes on.
    await consumer.stop().then(
      // Logged so the shutdown order (consumer, then clients and database) can be read from the log and tested.
      () => logger.info('consumer stopped'),
      (error: unknown) => logger.error({ err: error }, 'stopping the consumer failed'),
    )
  })
  app.addHook('onClose', async () => {
    const results = await Promise.allSettled([dlq.close(), serde.close()])
    for (const result of results) {
      if (result.status === 'rejected') logger.error({ err: result.reason }, 'closing a DLQ client failed')
    }
    await db.close()
    logger.info('database closed')
  })

  await app.register(swagger, {
    openapi: { info: { title: 'grimOS event-consumer', version: '0.1.0' } },
  })
  registerHealthRoutes(app, {
    live: () => {
      const health = consumer.health()
      return health.live || startingStates.has(health.details.state)
    },
    ready: async () => {
      const health = consumer.health()
      // Health bodies carry booleans only: the outage's start and error are in the log and the metrics.
      const down = new Set(health.details.outages.map((outage) => outage.dependency))
      return {
        consumer: health.ready,
        ...(down.has('registry') ? { registry: false } : {}),
        ...(down.has('broker') ? { broker: false } : {}),
        database:
          !down.has('database') &&
          (await db.query('select 1').then(
            () => true,
            (error: unknown) => {
              logger.warn({ err: error }, 'database ping failed')
              return false
            },
          )),
      }
    },
  })
  registerMetricsRoute(app, registry)
  await app.register(async (operator) => {
    // onRequest, before body parsing and validation: without the token nothing about the API leaks.
    operator.addHook('onRequest', operatorAuth(options.operatorToken))
    registerDlqRoutes(operator, dlq)
    registerReadRoutes(operator, db)
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  // Last, so a failed build leaves no timer behind; stopped before the database closes.
  const retention = startAuditLogRetention(db, {
    retentionDays: config.AUDIT_LOG_RETENTION_DAYS,
    intervalMs: config.AUDIT_LOG_PRUNE_INTERVAL_MS,
    logger: logger.child({ component: 'audit-retention' }),
  })
  app.addHook('preClose', () => retention.stop())
  return { app, consumer, dlq, db, registry }
}
