// Helpers for the event-consumer tests: a migrated database per engine, and events built by the catalog.
import { randomBytes, randomUUID } from 'node:crypto'
import { test } from 'node:test'
import pino from 'pino'
import { databaseUrl, kafkaBootstrap, registryUrl } from '../../../test/support/index.ts'
import { buildConsumerService, type ConsumerTuning } from '../src/app.ts'
import { openServiceDatabase } from '../src/db.ts'
import {
  createUserEvent,
  type Database,
  openDatabase,
  type PublishUserEventInput,
  type UserEvent,
} from '../src/events.ts'
import { loadServiceConfig } from '../src/options.ts'

export type Engine = 'postgres' | 'pglite'
export const engines: readonly Engine[] = ['postgres', 'pglite']

export function uniqueSchema(prefix: string): string {
  return `test_${prefix.replace(/[^a-z0-9_]/g, '_')}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
}

/** A fresh database with the service's migrations; `cleanup` drops the PostgreSQL schema and closes. */
export async function openTestDatabase(
  engine: Engine,
  prefix: string,
): Promise<{ db: Database; schema: string; cleanup: () => Promise<void> }> {
  const schema = uniqueSchema(prefix)
  const db = await openServiceDatabase(engine === 'postgres' ? { url: databaseUrl, schema } : { schema })
  return {
    db,
    schema,
    cleanup: async () => {
      if (engine === 'postgres') await db.exec(`drop schema if exists "${schema}" cascade`)
      await db.close()
    },
  }
}

export function testOnEachEngine(name: string, body: (db: Database) => Promise<void>): void {
  for (const engine of engines) {
    test(`${name} [${engine}]`, async () => {
      const { db, cleanup } = await openTestDatabase(engine, 'ec')
      try {
        await body(db)
      } finally {
        await cleanup()
      }
    })
  }
}

export interface Profile {
  email: string
  full_name: string | null
  is_active: boolean
  is_superuser: boolean
  roles: string[]
}

export function profile(overrides: Partial<Profile> = {}): Profile {
  return {
    email: 'ada@example.com',
    full_name: 'Ada Lovelace',
    is_active: true,
    is_superuser: false,
    roles: ['user'],
    ...overrides,
  }
}

const metadata = { source: 'auth-service', source_ip: '203.0.113.7', user_agent: 'test-agent/1.0', request_id: 'req-1' }

/**
 * One user's life as publish inputs, one second apart: every catalog event type once, plus a failed login before
 * the successful one. Ids and times are fixed here so a test can compare what it reads back with what it sent.
 */
export function lifeInputsOf(userId: string, start = new Date('2025-01-01T10:00:00Z')) {
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000).toISOString()
  const renamed = profile({ full_name: 'Ada King' })
  const base = { userId, metadata }
  return {
    registered: {
      ...base,
      eventType: 'user_registered',
      eventId: randomUUID(),
      timestamp: at(0),
      userData: { ...profile(), registration_method: 'self_signup' },
    },
    updated: {
      ...base,
      eventType: 'user_updated',
      eventId: randomUUID(),
      timestamp: at(1),
      userData: { ...renamed, changed_fields: ['full_name'] },
    },
    failedLogin: {
      ...base,
      eventType: 'user_login',
      eventId: randomUUID(),
      timestamp: at(2),
      userData: { ...renamed, login_method: 'password', outcome: 'failure', failure_reason: 'invalid_credentials' },
    },
    login: {
      ...base,
      eventType: 'user_login',
      eventId: randomUUID(),
      timestamp: at(3),
      userData: { ...renamed, login_method: 'password', outcome: 'success' },
    },
    emailVerified: {
      ...base,
      eventType: 'user_email_verified',
      eventId: randomUUID(),
      timestamp: at(4),
      userData: { ...renamed, verified_email: renamed.email },
    },
    passwordChanged: {
      ...base,
      eventType: 'user_password_changed',
      eventId: randomUUID(),
      timestamp: at(5),
      userData: { ...renamed, changed_by: 'user' },
    },
    logout: {
      ...base,
      eventType: 'user_logout',
      eventId: randomUUID(),
      timestamp: at(6),
      userData: { ...renamed, all_sessions: true },
    },
    deleted: {
      ...base,
      eventType: 'user_deleted',
      eventId: randomUUID(),
      timestamp: at(7),
      userData: { ...renamed, is_active: false, deleted_by: 'self', reason: 'leaving' },
    },
  } as const satisfies Record<string, PublishUserEventInput>
}

type LifeInputs = ReturnType<typeof lifeInputsOf>

/** The same life as built events (validated by the catalog). */
export function lifeOf(
  userId: string,
  start?: Date,
): { [K in keyof LifeInputs]: UserEvent<LifeInputs[K]['eventType']> } {
  const inputs = lifeInputsOf(userId, start)
  return {
    registered: createUserEvent(inputs.registered),
    updated: createUserEvent(inputs.updated),
    failedLogin: createUserEvent(inputs.failedLogin),
    login: createUserEvent(inputs.login),
    emailVerified: createUserEvent(inputs.emailVerified),
    passwordChanged: createUserEvent(inputs.passwordChanged),
    logout: createUserEvent(inputs.logout),
    deleted: createUserEvent(inputs.deleted),
  }
}

export const testToken = 'test-operator-token-0123456789'

/**
 * The whole service on a unique topic, group and PostgreSQL schema, with a silent logger; `cleanup` closes all.
 * `via` points the service at other addresses of the same servers (a cuttable proxy); clean-up goes direct.
 */
export async function buildTestService(
  topic: string,
  consumer?: ConsumerTuning,
  via: { databaseUrl?: string; registryUrl?: string } = {},
  /** More environment for the service's configuration (e.g. the audit log retention). */
  env: Record<string, string> = {},
) {
  const schema = uniqueSchema('ec_svc')
  const config = loadServiceConfig({
    NODE_ENV: 'test',
    DATABASE_URL: via.databaseUrl ?? databaseUrl,
    DATABASE_SCHEMA: schema,
    KAFKA_BOOTSTRAP_SERVERS: kafkaBootstrap,
    SCHEMA_REGISTRY_URL: via.registryUrl ?? registryUrl,
    USER_EVENTS_TOPIC: topic,
    CONSUMER_GROUP_ID: `${topic}.group`,
    OPERATOR_TOKEN: testToken,
    ...env,
  })
  const service = await buildConsumerService({
    config,
    operatorToken: testToken,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    consumer,
  })
  return {
    ...service,
    config,
    cleanup: async () => {
      await service.app.close()
      const admin = await openDatabase({ url: databaseUrl })
      try {
        await admin.exec(`drop schema if exists "${schema}" cascade`)
      } finally {
        await admin.close()
      }
    },
  }
}

export const auth = { authorization: `Bearer ${testToken}` }
