// Shared test helpers: unique names so tests never collide, and clean-up of what a test created.
import { randomBytes } from 'node:crypto'
import { after } from 'node:test'
import { type IncomingRecord, KafkaAdmin, KafkaRangeReader } from '../../packages/events/src/kafka/index.ts'
import { SchemaRegistryClient } from '../../packages/events/src/serde/registry.ts'

export const kafkaBootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'
/** The same list as client options take it (a cluster's bootstrap names several brokers). */
export const kafkaBrokers = kafkaBootstrap.split(',').map((broker) => broker.trim())
export const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
export { databaseUrl } from './database.ts'

export function uniqueName(prefix: string): string {
  return `test.${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`
}

/** Creates a unique topic for this test file and deletes it (and listed companions) when the file ends. */
export async function createTestTopic(prefix: string, partitions = 3, companions: string[] = []): Promise<string> {
  const topic = uniqueName(prefix)
  const admin = new KafkaAdmin({ clientId: 'grimos-tests' })
  await admin.ensureTopic(topic, { partitions, replicationFactor: 1, minInsyncReplicas: 1 })
  after(async () => {
    const existing = await admin.listTopics()
    const mine = [topic, ...companions.map((suffix) => `${topic}${suffix}`)].filter((t) => existing.includes(t))
    await admin.deleteTopics(mine)
    await admin.close()
  })
  return topic
}

/** Polls until `check` holds or the time is up; returns the last value for the assertion message. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await check()
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await check()
  }
  return value
}

/** Deletes (permanently) the registry subjects `subjects()` names when the file ends, so test runs leave no schemas. */
export function deleteSubjectsAfter(subjects: () => Iterable<string>): void {
  after(async () => {
    const registry = new SchemaRegistryClient({ registryUrl })
    for (const subject of new Set(subjects())) {
      // A subject a test expected the registry to refuse may never have been created.
      await registry.deleteSubject(subject, true).catch((error: { code?: string }) => {
        if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
      })
    }
  })
}

/** Records of one partition in [from, until), read without a consumer group. */
export async function readRange(topic: string, partition: number, from: bigint, until: bigint) {
  const reader = new KafkaRangeReader({ clientId: 'test-reader' })
  try {
    const records: IncomingRecord[] = []
    for await (const record of reader.read(topic, [{ partition, from, until }])) records.push(record)
    return records
  } finally {
    await reader.close()
  }
}

/** Every record of every partition of `topic`, as of now. */
export async function readAll(topic: string): Promise<IncomingRecord[]> {
  const admin = new KafkaAdmin({ clientId: 'test-admin' })
  const reader = new KafkaRangeReader({ clientId: 'test-reader' })
  try {
    const ranges = (await admin.partitionOffsets(topic)).map((p) => ({
      partition: p.partition,
      from: p.low,
      until: p.high,
    }))
    const records: IncomingRecord[] = []
    for await (const record of reader.read(topic, ranges)) records.push(record)
    return records
  } finally {
    await Promise.all([admin.close(), reader.close()])
  }
}

/** A successful login of `userId`, the n-th event a fault test publishes (request_id `req-<n>`). */
export function chaosLoginInput(userId: string, n: number) {
  return {
    eventType: 'user_login' as const,
    userId,
    userData: {
      email: `user-${userId.slice(-1)}@example.com`,
      full_name: 'Chaos Test',
      is_active: true,
      is_superuser: false,
      roles: ['user'],
      login_method: 'password' as const,
      outcome: 'success' as const,
    },
    metadata: { source: 'chaos-test', request_id: `req-${n}` },
  }
}
