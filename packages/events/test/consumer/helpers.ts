// Helpers for the consumer tests: real events encoded by the real serde, produced keyed by user id, and a
// reader for what landed in a topic (the DLQ, the retry topic).

import { after } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { readAll, uniqueName } from '../../../../test/support/index.ts'
import { createUserEvent, type UserEvent, type UserEventType } from '../../src/catalog/index.ts'
import { createEventConsumer, type EventConsumerOptions } from '../../src/consumer/index.ts'
import { type IncomingRecord, KafkaAdmin, KafkaProducer } from '../../src/kafka/index.ts'
import type { EventSerde } from '../../src/serde/index.ts'

export const quietLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

export function freshRegistry(): Registry {
  return new Registry()
}

const dataByType = {
  user_registered: { registration_method: 'self_signup' },
  user_updated: { changed_fields: ['full_name'] },
  user_deleted: { deleted_by: 'self' },
  user_login: { login_method: 'password', outcome: 'success' },
  user_logout: { all_sessions: true },
  user_password_changed: { changed_by: 'user' },
  user_email_verified: { verified_email: 'ada@example.com' },
} as const

export function sampleEvent<T extends UserEventType>(eventType: T, userId = 'user-1'): UserEvent<T> {
  const userData = {
    email: 'ada@example.com',
    is_active: true,
    is_superuser: false,
    roles: ['user'],
    ...dataByType[eventType],
  }
  // The input type is a union over every event type; the data above fits the one asked for.
  return createUserEvent({ eventType, userId, userData, metadata: { source: 'consumer-tests' } } as never)
}

/** Encodes with the real serde and produces keyed by user id, in order. */
export async function produceEvents(serde: EventSerde, topic: string, events: UserEvent[]): Promise<void> {
  const producer = new KafkaProducer({ clientId: 'consumer-tests-producer' })
  try {
    const records = await Promise.all(
      events.map(async (event) => ({ topic, key: event.user_id, value: await serde.encode(event) })),
    )
    for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500))
  } finally {
    await producer.close()
  }
}

/** Every record currently in `topic` (empty when the topic does not exist). */
/** Every record of `topic` as of now; none when the topic does not exist (yet). */
export async function readTopic(topic: string): Promise<IncomingRecord[]> {
  const admin = new KafkaAdmin({ clientId: 'consumer-tests-admin' })
  try {
    if (!(await admin.listTopics()).includes(topic)) return []
  } finally {
    await admin.close()
  }
  return readAll(topic)
}

/** A consumer of `topic` with test-friendly settings, stopped when the test file ends. */
export function consumerFor(serde: EventSerde, topic: string, options: Partial<EventConsumerOptions> = {}) {
  const consumer = createEventConsumer({
    groupId: uniqueName('consumer-group'),
    topics: [topic],
    serde,
    metricsRegistry: freshRegistry(),
    logger: quietLogger,
    commitIntervalMs: 100,
    metricsIntervalMs: 0,
    ...options,
  })
  after(() => consumer.stop())
  return consumer
}

export const header = (record: IncomingRecord, name: string) => record.headers.get(name)?.toString('utf8')

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
