// Helpers for the consumer tests: real events encoded by the real serde, produced keyed by user id, and a
// reader for what landed in a topic (the DLQ, the retry topic).

import { after } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { deleteSubjectsAfter, readAll, uniqueName } from '../../../../test/support/index.ts'
import { createUserEvent, USER_EVENT_TYPES, type UserEvent, type UserEventType } from '../../src/catalog/index.ts'
import { createEventConsumer, type EventConsumerOptions } from '../../src/consumer/index.ts'
import { type IncomingRecord, KafkaAdmin, KafkaGroupConsumer, KafkaProducer } from '../../src/kafka/index.ts'
import { EventSerde, type EventSerdeOptions } from '../../src/serde/index.ts'

export const quietLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/**
 * The topic name the consumer tests' schemas are registered under: unique per test file (each runs in its own
 * process), so files running in parallel and earlier runs never share a registry subject.
 */
export const serdeTopic = uniqueName('consumer-tests')

/** A serde on this file's own subjects; closed, and its subjects deleted, when the file ends. */
export function testSerde(options: Partial<EventSerdeOptions> = {}): EventSerde {
  const serde = new EventSerde({ topic: serdeTopic, ...options })
  after(() => serde.close())
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))
  return serde
}

/**
 * True once `groupId` has committed up to the end of every partition of `topics`: from then on the group
 * neither handles nor redelivers anything more, so a test can count what was handled without sleeping.
 */
export async function groupCaughtUp(groupId: string, topics: string[]): Promise<boolean> {
  const admin = new KafkaAdmin({ clientId: 'consumer-tests-admin' })
  // Only reads the group's committed offsets (OffsetFetch): it never joins the group, so no rebalance.
  const reader = new KafkaGroupConsumer({ clientId: 'consumer-tests-offsets', groupId })
  try {
    const existing = await admin.listTopics()
    for (const topic of topics) {
      if (!existing.includes(topic)) continue
      const offsets = await admin.partitionOffsets(topic)
      const committed = await reader.committed(
        topic,
        offsets.map((o) => o.partition),
      )
      // -1 (nothing committed) is caught up only on a partition that holds nothing.
      if (offsets.some((o, i) => ((committed[i] ?? -1n) > o.low ? committed[i]! : o.low) < o.high)) return false
    }
    return true
  } finally {
    await reader.close()
    await admin.close()
  }
}

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
