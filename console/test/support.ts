// What the console's tests share: a real console server (real Kafka, registry and PostgreSQL, its own schema and
// topic), a logged-in HTTP client, and dead letters made by the library's own writer.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import {
  createUserEvent,
  DeadLetterWriter,
  EventSerde,
  KafkaProducer,
  USER_EVENT_TYPES,
  userEventRecord,
} from '@grimos/events'
import pino from 'pino'
import { createTestTopic, databaseUrl, deleteSubjectsAfter, readRange } from '../../test/support/index.ts'
import { buildConsoleServer, type ConsoleServer } from '../src/app.ts'
import { loadConsoleConfig } from '../src/options.ts'

export interface TestConsole {
  server: ConsoleServer
  url: string
  topic: string
  schema: string
  secretsDir: string
  adminPassword: string
}

/** A console on a free port for a fresh topic (6 partitions, schemas registered) and a fresh database schema. */
export async function startTestConsole(
  prefix: string,
  options: { webDir?: string; env?: Record<string, string> } = {},
): Promise<TestConsole> {
  const topic = await createTestTopic(prefix, 6, ['.dlq', '.dlq.status', '.retry'])
  const serde = new EventSerde({ topic, autoRegister: true })
  await serde.registerSchemas()
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((t) => serde.subjectFor(t)))
  after(() => serde.close())
  const schema = `console_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
  const secretsDir = mkdtempSync(join(tmpdir(), 'grimos-console-test-'))
  const config = loadConsoleConfig({
    PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    CONSOLE_SECRETS_DIR: secretsDir,
    CONSOLE_WEB_DIR: options.webDir ?? join(secretsDir, 'no-web'),
    USER_EVENTS_TOPIC: topic,
    CONSOLE_SAMPLE_MS: '250',
    CONSOLE_LOGIN_PER_USERNAME: '5',
    ...options.env,
  })
  const server = await buildConsoleServer({ config, logger: pino({ level: 'silent' }) })
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
  after(async () => {
    await server.db.query(`drop schema if exists ${schema} cascade`)
    await server.app.close()
  })
  const { readFileSync } = await import('node:fs')
  const adminPassword = readFileSync(join(secretsDir, 'console-admin.password'), 'utf8').trim()
  return { server, url: address, topic, schema, secretsDir, adminPassword }
}

export interface Answer<T = unknown> {
  status: number
  body: T
  headers: Headers
}

/** A browser-like client: the session cookie and the CSRF token it was given. */
export class Client {
  readonly #url: string
  cookie: string | undefined
  csrf: string | undefined

  constructor(url: string) {
    this.#url = url
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const response = await fetch(this.#url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie && { cookie: this.cookie }),
        ...(this.csrf && method !== 'GET' && { 'x-csrf-token': this.csrf }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers }
  }

  async login(username: string, password: string): Promise<Answer> {
    const answer = await this.call('POST', '/api/session', { username, password })
    const cookie = answer.headers.get('set-cookie')
    if (cookie) this.cookie = cookie.split(';')[0]
    this.csrf = (answer.body as { csrfToken?: string }).csrfToken
    return answer
  }
}

export function loginInput(userId: string, source = 'console-test') {
  return {
    eventType: 'user_login' as const,
    userId,
    userData: {
      email: `${userId}@example.com`,
      full_name: 'Console Test',
      is_active: true,
      is_superuser: false,
      roles: ['user'],
      login_method: 'password' as const,
      outcome: 'success' as const,
    },
    metadata: { source },
  }
}

/** Publishes a real Avro event to `topic`, then dead-letters it with the library's writer, as a consumer would. */
export async function seedDeadLetter(topic: string, userId: string, errorMessage = 'handler refused it') {
  const serde = new EventSerde({ topic, autoRegister: false })
  const producer = new KafkaProducer({ clientId: 'console-test-seed' })
  const writer = new DeadLetterWriter({ connection: { clientId: 'console-test-writer' } })
  try {
    const event = createUserEvent(loginInput(userId, 'seed'))
    const [at] = await producer.send([userEventRecord(topic, event, await serde.encodeValidated(event))])
    if (!at) throw new Error('no position')
    const [record] = await readRange(topic, at.partition, at.offset, at.offset + 1n)
    if (!record) throw new Error('produced record not found')
    const error = Object.assign(new Error(errorMessage), { code: 'GRIM_HANDLER_FAILED' })
    const now = new Date()
    const dead = await writer.deadLetter(record, 'grimos-console-test', {
      error,
      attempts: 3,
      firstFailureAt: new Date(now.getTime() - 1000),
      lastFailureAt: now,
    })
    return { event, source: at, dead }
  } finally {
    await Promise.all([producer.close(), writer.close(), serde.close()])
  }
}
