// HTTP benchmark of auth-service: POST /auth/register and POST /auth/login with event publishing ON (each request
// writes its outbox row in its own transaction and the relay publishes to Kafka) and OFF (EVENT_PUBLISHING=off:
// no outbox row, no relay). Two instances run in this process on 127.0.0.1, each on a PostgreSQL schema of its
// own; autocannon drives them in rounds that interleave ON and OFF; medians of the rounds are reported.

import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Database,
  EventSerde,
  KafkaAdmin,
  openDatabase,
  startOutboxRelay,
  USER_EVENT_TYPES,
  type UserEventRelay,
} from '@grimos/events'
import { createServiceLogger, listen, type ServiceApp } from '@grimos/service-kit'
import { Registry } from 'prom-client'
import { buildAuthApp } from '../services/auth-service/src/app.ts'
import { hashPassword } from '../services/auth-service/src/auth/passwords.ts'
import { openAuthDatabase } from '../services/auth-service/src/db.ts'
import { loadAuthEnv, settingsFrom } from '../services/auth-service/src/options.ts'
import { fmt, machineLine, median, writeSection } from './report.ts'

// autocannon ships no types (and @types/autocannon is not installed): typed here by the few fields used.
interface LoadRequest {
  method: 'POST'
  path: string
  headers: Record<string, string>
  setupRequest: (request: LoadRequest & { body?: string }) => LoadRequest & { body: string }
}
interface LoadResult {
  requests: { average: number; total: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
  timeouts: number
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string
  connections: number
  duration: number
  requests: LoadRequest[]
}) => Promise<LoadResult>

const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const kafkaBootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const warmupSeconds = 2
const loginUsers = 20
// Far above what the benchmark sends: the limit (5 per minute per address and email) would otherwise answer 429.
const loginRateLimit = 1_000_000
const password = 'correct horse battery staple'
const stamp = `${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`
const topic = `bench.http.${stamp}`
const jwtSecret = randomBytes(48).toString('base64url')
const threadPool = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
const topicPartitions = 6

type Mode = 'on' | 'off'
type Endpoint = 'register' | 'login'

interface Instance {
  mode: Mode
  url: string
  app: ServiceApp
  db: Database
  relay: UserEventRelay | undefined
  schema: string
  loginEmails: string[]
}

/** auth-service wired as its main.ts wires it, from the same environment variables. */
async function startAuthService(mode: Mode): Promise<Instance> {
  const env = loadAuthEnv({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    AUTH_DB_SCHEMA: `bench_http_${mode}_${stamp}`,
    JWT_SECRET: jwtSecret,
    USER_EVENTS_TOPIC: topic,
    EVENT_PUBLISHING: mode,
    LOGIN_RATE_LIMIT_MAX: String(loginRateLimit),
    LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: String(loginRateLimit),
    // The benchmark registers every user from one address.
    REGISTRATION_RATE_LIMIT_MAX: String(loginRateLimit),
  })
  const logger = createServiceLogger('auth-service', { level: env.LOG_LEVEL })
  const db = await openAuthDatabase({ url: env.DATABASE_URL, schema: env.AUTH_DB_SCHEMA })
  const relay =
    env.EVENT_PUBLISHING === 'on'
      ? startOutboxRelay(db, {
          clientId: 'bench-http-outbox',
          bootstrapBrokers: kafkaBootstrap.split(','),
          metricsRegistry: new Registry(),
          logger: logger.child({ component: 'outbox' }),
        })
      : undefined
  const app = await buildAuthApp({
    db,
    settings: settingsFrom(env, jwtSecret),
    loggerInstance: logger,
    afterWrite: relay ? () => relay.wake() : undefined,
  })
  const url = await listen(app, { port: 0 })
  const loginEmails = Array.from({ length: loginUsers }, (_, i) => `login.${mode}.${i}.${stamp}@example.com`)
  for (const email of loginEmails) {
    const response = await fetch(`${url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, full_name: 'Bench Login' }),
    })
    if (response.status !== 201) throw new Error(`registering ${email} answered ${response.status}`)
  }
  return { mode, url, app, db, relay, schema: env.AUTH_DB_SCHEMA, loginEmails }
}

let sequence = 0
/** Outbox rows not yet published when an ON run ended: how far the relay lags behind the requests. */
const pendingAtEnd: number[] = []

function requestFor(instance: Instance, endpoint: Endpoint): LoadRequest {
  const headers = { 'content-type': 'application/json', 'user-agent': 'bench-http/1.0' }
  if (endpoint === 'register') {
    // A new address per request: a repeated one would be a 409 that skips the hash and the insert.
    return {
      method: 'POST',
      path: '/api/v1/auth/register',
      headers,
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ email: `r${sequence++}.${stamp}@example.com`, password, full_name: 'Bench User' }),
      }),
    }
  }
  return {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers,
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ email: instance.loginEmails[sequence++ % loginUsers], password }),
    }),
  }
}

async function load(instance: Instance, endpoint: Endpoint, duration: number): Promise<LoadResult> {
  const result = await autocannon({
    url: instance.url,
    connections,
    duration,
    requests: [requestFor(instance, endpoint)],
  })
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(
      `${endpoint} (publishing ${instance.mode}): ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  if (instance.relay) pendingAtEnd.push(await instance.relay.relay.pendingCount())
  // The next run must not share the machine with this one's leftovers: the requests autocannon dropped at the end
  // are still hashing, and the relay may still be publishing.
  await sleep(1_000)
  const deadline = performance.now() + 120_000
  while (instance.relay && (await instance.relay.relay.pendingCount()) > 0) {
    if (performance.now() > deadline) throw new Error('the outbox did not drain within 120 s')
    await sleep(100)
  }
  return result
}

async function argon2Milliseconds(samples: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < samples; i++) await hashPassword(password)
  return (performance.now() - started) / samples
}

async function cleanUp(instances: Instance[]): Promise<void> {
  for (const instance of instances) await instance.app.close()
  // autocannon drops the requests in flight when a run ends; their handlers still finish (hash, insert) after the
  // server closed, so give them time before their database goes away.
  await sleep(2_000)
  for (const instance of instances) {
    if (instance.relay) {
      await instance.relay.drain(5_000)
      await instance.relay.stop()
    }
    await instance.db.close()
  }
  const admin = await openDatabase({ url: databaseUrl })
  try {
    for (const instance of instances) await admin.exec(`drop schema if exists "${instance.schema}" cascade`)
  } finally {
    await admin.close()
  }
  const kafka = new KafkaAdmin({ clientId: 'bench-http-admin', bootstrapBrokers: kafkaBootstrap.split(',') })
  try {
    if ((await kafka.listTopics()).includes(topic)) await kafka.deleteTopics([topic])
  } finally {
    await kafka.close()
  }
  const serde = new EventSerde({ topic })
  try {
    for (const eventType of USER_EVENT_TYPES) {
      await serde.registry.deleteSubject(serde.subjectFor(eventType), true).catch((error: { code?: string }) => {
        if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
      })
    }
  } finally {
    await serde.close()
  }
}

async function main() {
  const hashMs = await argon2Milliseconds(20)
  console.error(`one argon2id hash: ${fmt(hashMs, 1)} ms`)
  const loadBefore = loadavg()[0] ?? 0
  const instances: Instance[] = []
  try {
    const kafka = new KafkaAdmin({ clientId: 'bench-http-admin', bootstrapBrokers: kafkaBootstrap.split(',') })
    try {
      await kafka.ensureTopic(topic, { partitions: topicPartitions, replicationFactor: 1, minInsyncReplicas: 1 })
    } finally {
      await kafka.close()
    }
    instances.push(await startAuthService('on'), await startAuthService('off'))
    const [on, off] = instances as [Instance, Instance]
    console.error(`publishing on: ${on.url}, off: ${off.url}, topic ${topic}`)

    for (const instance of instances) {
      for (const endpoint of ['register', 'login'] as const) await load(instance, endpoint, warmupSeconds)
    }
    pendingAtEnd.length = 0

    const results: Record<Endpoint, Record<Mode, LoadResult[]>> = {
      register: { on: [], off: [] },
      login: { on: [], off: [] },
    }
    for (let round = 0; round < rounds; round++) {
      for (const endpoint of ['register', 'login'] as const) {
        // ON first in odd rounds, OFF first in even ones: a drift in the machine's load favours neither side.
        for (const instance of round % 2 === 0 ? [on, off] : [off, on]) {
          const result = await load(instance, endpoint, seconds)
          results[endpoint][instance.mode].push(result)
          console.error(
            `round ${round + 1}/${rounds} ${endpoint} publishing ${instance.mode}: ${fmt(result.requests.average, 1)} req/s, p99 ${result.latency.p99} ms`,
          )
        }
      }
    }

    type Measure = (result: LoadResult) => number
    const reqPerSecond: Measure = (r) => r.requests.average
    const p50: Measure = (r) => r.latency.p50
    const p99: Measure = (r) => r.latency.p99
    const medianOf = (endpoint: Endpoint, mode: Mode, measure: Measure) => median(results[endpoint][mode].map(measure))
    // The ON and OFF runs of a round are back to back, under the same outside load: ratios are taken within each
    // round, then their median reported. A ratio of the two medians would mix rounds run under different loads.
    const ratios = (endpoint: Endpoint, measure: Measure) =>
      results[endpoint].on.map((on, i) => {
        const off = results[endpoint].off[i]
        return off ? measure(on) / measure(off) : Number.NaN
      })
    const percent = (value: number) => `${fmt(value * 100)}%`
    const row = (label: string, endpoint: Endpoint, measure: Measure, digits: number, bold = false) => {
      const ratio = percent(median(ratios(endpoint, measure)))
      return `| ${label} | ${fmt(medianOf(endpoint, 'off', measure), digits)} | ${fmt(medianOf(endpoint, 'on', measure), digits)} | ${bold ? `**${ratio}**` : ratio} |`
    }
    const perRound = (endpoint: Endpoint, mode: Mode) => results[endpoint][mode].map((r) => fmt(r.requests.average, 1))
    const spread = (endpoint: Endpoint, mode: Mode) => {
      const values = results[endpoint][mode].map(reqPerSecond)
      return (Math.max(...values) - Math.min(...values)) / median(values)
    }
    const noise = Math.max(...(['register', 'login'] as const).flatMap((e) => [spread(e, 'on'), spread(e, 'off')]))
    const loadAfter = loadavg()[0] ?? 0

    const table = `## HTTP: auth-service with and without event publishing (issue: http)

${machineLine()}; PostgreSQL 15 on the same machine; 1-minute load average ${fmt(loadBefore, 1)} at the start, ${fmt(loadAfter, 1)} at the end.
Method: auth-service built in this process as its \`main.ts\` builds it, twice, listening on 127.0.0.1 (port 0): publishing
ON (each request writes its event to the outbox in its own transaction; the relay publishes to a ${topicPartitions}-partition topic) and
OFF (\`EVENT_PUBLISHING=off\`: no outbox row, no relay). Each instance has its own PostgreSQL schema on
127.0.0.1:5432/test. \`LOGIN_RATE_LIMIT_MAX=${fmt(loginRateLimit)}\` (default 5 per minute per address and email) so logins are
not refused. autocannon, ${connections} connections, ${seconds} s per run, in this process too; ${rounds} rounds, each
running register then login, ON and OFF back to back (ON first in odd rounds, OFF first in even ones), after a
${warmupSeconds} s warm-up of each. Register uses a new address per request; login cycles over ${loginUsers} registered users.
After each ON run the outbox is drained before the next run starts; when an ON run ended, at most
${fmt(Math.max(0, ...pendingAtEnd))} rows were still pending.
Both endpoints spend most of their time in argon2id (19 MiB, t=2, p=1: ${fmt(hashMs, 1)} ms per hash here, in
libuv's pool of ${threadPool} threads on ${availableParallelism()} cores); next to it, what publishing adds to a request (one
more insert and a per-key advisory lock, in the transaction the request opens anyway, and the relay's encoding and
sending, on the same cores as the broker) is small.

Figures are medians of the rounds; **ON ÷ OFF is the median of the per-round ratios** (the two runs of a round are back
to back, under the same outside load).

| measure | publishing OFF | publishing ON | ON ÷ OFF |
|---|---|---|---|
${row('register throughput (req/s)', 'register', reqPerSecond, 1, true)}
${row('register latency p50 (ms)', 'register', p50, 0)}
${row('register latency p99 (ms)', 'register', p99, 0)}
${row('login throughput (req/s)', 'login', reqPerSecond, 1, true)}
${row('login latency p50 (ms)', 'login', p50, 0)}
${row('login latency p99 (ms)', 'login', p99, 0)}

Per-round throughput (req/s): register OFF ${perRound('register', 'off').join(', ')}; ON ${perRound('register', 'on').join(', ')}.
Login OFF ${perRound('login', 'off').join(', ')}; ON ${perRound('login', 'on').join(', ')}.
Per-round ON ÷ OFF: register ${ratios('register', reqPerSecond).map(percent).join(', ')}; login ${ratios('login', reqPerSecond).map(percent).join(', ')}.
Rounds of the same side differ by up to ${percent(noise)} of their median (other work on the machine).`
    writeSection('http', table)
    console.log(table)
  } finally {
    await cleanUp(instances)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
