// Both grimOS services in the test process, wired as their main.ts wire them (auth-service with its outbox relay,
// event-consumer with its consumer), each on a PostgreSQL schema of its own, on a unique topic and consumer group,
// listening on real HTTP ports of 127.0.0.1, against the running Kafka and registry.
import { randomBytes } from 'node:crypto'
import { after } from 'node:test'
import {
  type Database,
  EventSerde,
  openDatabase,
  startOutboxRelay,
  USER_EVENT_TYPES,
  type UserEventRelay,
  type UserEventRelayOptions,
} from '@grimos/events'
import { listen } from '@grimos/service-kit'
import pino from 'pino'
import { Registry } from 'prom-client'
import { buildAuthApp } from '../../services/auth-service/src/app.ts'
import { openAuthDatabase } from '../../services/auth-service/src/db.ts'
import { loadAuthEnv, settingsFrom } from '../../services/auth-service/src/options.ts'
import { buildConsumerService, type ConsumerTuning } from '../../services/event-consumer/src/app.ts'
import { loadServiceConfig } from '../../services/event-consumer/src/options.ts'
import {
  createTestTopic,
  databaseUrl,
  deleteSubjectsAfter,
  eventually,
  kafkaBootstrap,
  kafkaBrokers,
  registryUrl,
} from '../support/index.ts'

// biome-ignore lint/suspicious/noExplicitAny: response JSON is asserted field by field in the tests
type Json = any

export interface OutboxEntry {
  event_id: string
  event_type: string
  status: string
}

export interface RunningServices {
  topic: string
  /** `http://127.0.0.1:<port>/api/v1` */
  authUrl: string
  /** `http://127.0.0.1:<port>` */
  consumerUrl: string
  authDb: Database
  relay: UserEventRelay
  /** POST/PATCH/DELETE/GET on auth-service over HTTP; JSON in, JSON (or nothing) out. */
  callAuth(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: Json }>
  /** GET on event-consumer with the operator token. */
  readConsumer(path: string): Promise<{ status: number; body: Json }>
  /** The Prometheus text of event-consumer's /metrics. */
  consumerMetrics(): Promise<string>
  /** auth-service's outbox rows, oldest first (sent rows are kept a day, so this is every event written). */
  outbox(userId?: string): Promise<OutboxEntry[]>
}

export interface CallOptions {
  body?: unknown
  token?: string
  requestId?: string
}

export interface ServicesOptions {
  consumer?: ConsumerTuning
  relay?: UserEventRelayOptions['relay']
}

export const operatorToken = `e2e-operator-${randomBytes(12).toString('hex')}`
export const userAgent = 'grimos-e2e/1.0'
const jwtSecret = randomBytes(48).toString('base64url')
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

const schemaName = (service: string) =>
  `e2e_${service}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.replace(/[^a-z0-9_]/g, '_')

/**
 * Starts both services for this test file and stops them (then drops their schemas, topic and subjects) when it
 * ends. Resolves once event-consumer reports ready, i.e. its consumer has joined the group.
 */
export async function startServices(prefix: string, options: ServicesOptions = {}): Promise<RunningServices> {
  // Registered first, so it runs before createTestTopic's hook deletes the topic under the running consumer.
  const closers: Array<() => Promise<void>> = []
  after(async () => {
    // Every step runs even if one fails (a failed stop must not leave a database or a schema behind).
    const results = []
    for (const close of closers.reverse())
      results.push(
        await close().then(
          () => undefined,
          (error: unknown) => error,
        ),
      )
    const failure = results.find((error) => error !== undefined)
    if (failure !== undefined) throw failure
  })

  const topic = await createTestTopic(prefix, 3, ['.retry', '.dlq', '.dlq.status'])
  const subjects = new EventSerde({ registryUrl, topic })
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => subjects.subjectFor(eventType)))
  closers.push(() => subjects.close())

  const authSchema = schemaName('auth')
  const consumerSchema = schemaName('consumer')
  closers.push(() => dropSchemas([authSchema, consumerSchema]))

  // Through the service's own environment parsing, as main.ts does: USER_EVENTS_TOPIC is what routes the events.
  const authEnv = loadAuthEnv({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    AUTH_DB_SCHEMA: authSchema,
    JWT_SECRET: jwtSecret,
    USER_EVENTS_TOPIC: topic,
  })
  const authDb = await openAuthDatabase({ url: authEnv.DATABASE_URL, schema: authEnv.AUTH_DB_SCHEMA })
  closers.push(() => authDb.close())
  const relay = startOutboxRelay(authDb, {
    clientId: `${prefix}-outbox`,
    bootstrapBrokers: kafkaBrokers,
    registryUrl,
    relay: options.relay,
    metricsRegistry: new Registry(),
    logger,
  })
  closers.push(async () => {
    await relay.drain(5_000)
    await relay.stop()
  })
  const authApp = await buildAuthApp({
    db: authDb,
    settings: settingsFrom(authEnv, jwtSecret),
    loggerInstance: logger,
    afterWrite: () => relay.wake(),
  })
  closers.push(() => authApp.close())
  const authUrl = `${await listen(authApp, { port: 0 })}/api/v1`

  const consumerConfig = loadServiceConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: consumerSchema,
    KAFKA_BOOTSTRAP_SERVERS: kafkaBootstrap,
    SCHEMA_REGISTRY_URL: registryUrl,
    USER_EVENTS_TOPIC: topic,
    CONSUMER_GROUP_ID: `${topic}.group`,
    OPERATOR_TOKEN: operatorToken,
  })
  const consumerService = await buildConsumerService({
    config: consumerConfig,
    operatorToken,
    logger,
    consumer: options.consumer,
  })
  // app.close() stops the consumer first (it commits), then HTTP, the DLQ clients and the database.
  closers.push(() => consumerService.app.close())
  const consumerUrl = await listen(consumerService.app, { port: 0 })
  await consumerService.consumer.start()
  const ready = await eventually(
    () => fetch(`${consumerUrl}/health/ready`).then((response) => response.status),
    (status) => status === 200,
    30_000,
  )
  if (ready !== 200) throw new Error(`event-consumer is not ready after 30 s (health ${ready})`)

  return {
    topic,
    authUrl,
    consumerUrl,
    authDb,
    relay,
    async callAuth(method, path, call = {}) {
      const headers: Record<string, string> = { 'user-agent': userAgent }
      if (call.body !== undefined) headers['content-type'] = 'application/json'
      if (call.token) headers.authorization = `Bearer ${call.token}`
      if (call.requestId) headers['x-request-id'] = call.requestId
      const response = await fetch(`${authUrl}${path}`, {
        method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : undefined }
    },
    async readConsumer(path) {
      const response = await fetch(`${consumerUrl}${path}`, { headers: { authorization: `Bearer ${operatorToken}` } })
      return { status: response.status, body: await response.json() }
    },
    async consumerMetrics() {
      return await (await fetch(`${consumerUrl}/metrics`)).text()
    },
    async outbox(userId) {
      return await authDb.query<OutboxEntry>(
        `select event_id::text as event_id, event_type, status from grimos_outbox
         ${userId ? 'where message_key = $1' : ''} order by id`,
        userId ? [userId] : [],
      )
    },
  }
}

async function dropSchemas(schemas: string[]): Promise<void> {
  const admin = await openDatabase({ url: databaseUrl })
  try {
    for (const schema of schemas) await admin.exec(`drop schema if exists "${schema}" cascade`)
  } finally {
    await admin.close()
  }
}

export interface Sample {
  labels: Record<string, string>
  value: number
}

/** The samples of one metric in a Prometheus text exposition, labels parsed. */
export function samplesOf(exposition: string, metric: string): Sample[] {
  const samples: Sample[] = []
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== metric) continue
    const labels: Record<string, string> = {}
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (name !== undefined && value !== undefined) labels[name] = value
    }
    samples.push({ labels, value: Number(match[3]) })
  }
  return samples
}

/** `grimos_consumer_events_processed_total` as `{ '<event_type> <outcome>': count }`, zero counts left out. */
export function processedCounts(exposition: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { labels, value } of samplesOf(exposition, 'grimos_consumer_events_processed_total')) {
    if (value !== 0) counts[`${labels.event_type} ${labels.outcome}`] = value
  }
  return counts
}
