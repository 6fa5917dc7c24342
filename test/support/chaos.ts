// Helpers of the fault cases (test/chaos): kill and restart parts of this checkout's stack, make and remove the
// topics and schemas a case uses, and count what the checks need. No node:test hooks here: the same code runs
// under `npm test` (short forms) and under `npm run chaos` (full forms, outside the test runner), so every
// helper returns its own clean-up.
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Registry } from 'prom-client'
import { kafkaBootstrap as stackKafka, registryUrl as stackRegistry } from '../../infra/stack/config.ts'
import { isAlive, runningPid } from '../../infra/stack/processes.ts'
import { infrastructure, up } from '../../infra/stack/stack.ts'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { openDatabase } from '../../packages/events/src/db/index.ts'
import { eventsEnv } from '../../packages/events/src/env.ts'
import { KafkaAdmin } from '../../packages/events/src/kafka/index.ts'
import { connectionDefaults } from '../../packages/events/src/kafka/options.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { registryDefaults } from '../../packages/events/src/serde/options.ts'
import { SchemaRegistryClient } from '../../packages/events/src/serde/registry.ts'
import { databaseUrl, kafkaBootstrap, registryUrl, uniqueName } from './index.ts'

/**
 * The cases SIGKILL the broker that `infra/stack` started from this checkout (found by its pid file) while the
 * library talks to whatever KAFKA_BOOTSTRAP_SERVERS names, read once at import. If the two differ, a case would
 * kill one broker and measure another (or worse, publish into someone else's stack): refuse to run at all.
 */
export function assertOwnStack(): void {
  // What the library's clients will really use: KAFKA_BOOTSTRAP_SERVERS (env.ts) over the built-in default.
  const library = (eventsEnv().bootstrapBrokers ?? connectionDefaults.bootstrapBrokers).join(',')
  const libraryRegistry = eventsEnv().registryUrl ?? registryDefaults.registryUrl
  const seen = { stack: stackKafka, library, testSupport: kafkaBootstrap }
  if (library !== stackKafka || kafkaBootstrap !== stackKafka) {
    throw new Error(
      `chaos cases need one broker: this checkout's stack listens on ${stackKafka} (GRIMOS_KAFKA_PORT) but clients would use ${JSON.stringify(seen)}; set KAFKA_BOOTSTRAP_SERVERS=${stackKafka}`,
    )
  }
  if (libraryRegistry !== stackRegistry || registryUrl !== stackRegistry) {
    throw new Error(
      `chaos cases need one registry: the stack's is ${stackRegistry} (GRIMOS_REGISTRY_PORT), clients use ${libraryRegistry}; set SCHEMA_REGISTRY_URL=${stackRegistry}`,
    )
  }
}

/** SIGKILL to the broker's process group: no shutdown hook, no final flush, as a crashed host or OOM killer. */
export async function killBroker(): Promise<number> {
  const pid = runningPid('kafka')
  if (pid === undefined) throw new Error('the broker of this checkout is not running (no live pid in .grimos/run)')
  process.kill(-pid, 'SIGKILL')
  const deadline = Date.now() + 10_000
  while (isAlive(pid) && Date.now() < deadline) await sleep(50)
  if (isAlive(pid)) throw new Error(`the broker (pid ${pid}) is still alive 10 s after SIGKILL`)
  return pid
}

/** Starts the broker again (and waits for the registry, which journals in Kafka, to answer again). */
export async function restartInfrastructure(): Promise<void> {
  await up(undefined, infrastructure)
}

export interface CaseTopic {
  topic: string
  /** Deletes the topic, its companions (.retry, .dlq, …) that exist, and the registry subjects of the topic. */
  remove(): Promise<void>
}

/** A unique topic for one run of a case, with the clean-up of everything the library derives from it. */
export async function createCaseTopic(prefix: string, partitions: number): Promise<CaseTopic> {
  const topic = uniqueName(prefix)
  const admin = new KafkaAdmin({ clientId: 'grimos-chaos' })
  try {
    await admin.ensureTopic(topic, { partitions, replicationFactor: 1, minInsyncReplicas: 1 })
  } finally {
    await admin.close()
  }
  return {
    topic,
    async remove() {
      const cleanup = new KafkaAdmin({ clientId: 'grimos-chaos' })
      try {
        const mine = (await cleanup.listTopics()).filter((t) => t === topic || t.startsWith(`${topic}.`))
        if (mine.length) await cleanup.deleteTopics(mine)
      } finally {
        await cleanup.close()
      }
      // The subjects as the library names them for this topic; one no event of the case used was never created.
      const serde = new EventSerde({ topic })
      const registry = new SchemaRegistryClient({ registryUrl })
      try {
        for (const subject of new Set(USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))) {
          await registry.deleteSubject(subject, true).catch((error: { code?: string }) => {
            if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
          })
        }
      } finally {
        await serde.close()
      }
    },
  }
}

/** Records now in `<topic>.dlq` (0 when the DLQ topic was never created: nothing was dead-lettered). */
export async function dlqDepth(topic: string): Promise<number> {
  const admin = new KafkaAdmin({ clientId: 'grimos-chaos' })
  try {
    if (!(await admin.listTopics()).includes(`${topic}.dlq`)) return 0
    const offsets = await admin.partitionOffsets(`${topic}.dlq`)
    return offsets.reduce((sum, p) => sum + Number(p.high - p.low), 0)
  } finally {
    await admin.close()
  }
}

/** Records now in `topic`, all partitions. */
export async function topicDepth(topic: string): Promise<number> {
  const admin = new KafkaAdmin({ clientId: 'grimos-chaos' })
  try {
    return (await admin.partitionOffsets(topic)).reduce((sum, p) => sum + Number(p.high - p.low), 0)
  } finally {
    await admin.close()
  }
}

/** A PostgreSQL schema name of our own on the shared server (never `public`, never another run's). */
export function uniqueSchema(prefix: string): string {
  return uniqueName(`chaos_${prefix}`)
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase()
}

export async function dropSchemas(schemas: string[]): Promise<void> {
  const db = await openDatabase({ url: databaseUrl })
  try {
    for (const schema of schemas) await db.exec(`drop schema if exists "${schema}" cascade`)
  } finally {
    await db.close()
  }
}

/** A TCP port free on loopback right now, for a child service that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Side effects of handlers, keyed by event_id: how often each ran and, per key, the publish sequence numbers in
 * the order the effects happened. A doubled effect is an event_id counted twice; out of order is an effect whose
 * sequence number is lower than one already applied for the same key.
 */
export class SideEffectLedger {
  readonly #count = new Map<string, number>()
  readonly #lastSeq = new Map<string, number>()
  #outOfOrder = 0

  record(eventId: string, key: string, seq: number): void {
    this.#count.set(eventId, (this.#count.get(eventId) ?? 0) + 1)
    const last = this.#lastSeq.get(key) ?? -1
    if (seq < last) this.#outOfOrder++
    else this.#lastSeq.set(key, seq)
  }

  get distinct(): number {
    return this.#count.size
  }

  has(eventId: string): boolean {
    return this.#count.has(eventId)
  }

  /** Event ids whose effect ran more than once. */
  get doubled(): number {
    let n = 0
    for (const count of this.#count.values()) if (count > 1) n++
    return n
  }

  get outOfOrder(): number {
    return this.#outOfOrder
  }

  lostOf(expected: Iterable<string>): number {
    let n = 0
    for (const id of expected) if (!this.#count.has(id)) n++
    return n
  }
}

/** Sequence number n of the request_id `req-<n>` that chaosLoginInput puts in each event. */
export function seqOf(requestId: string | null | undefined): number {
  const match = /^req-(\d+)$/.exec(requestId ?? '')
  if (!match) throw new Error(`unexpected request_id ${requestId}`)
  return Number(match[1])
}

/** Resolves when `check` holds, or at the deadline; true when it held. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 200) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(stepMs)
  }
  return await check()
}

export const userIdOf = (i: number) => `0190d5a2-7c1e-7b3a-9f00-${i.toString(16).padStart(12, '0')}`

/** A consumer's own count of one outcome (`grimos_consumer_events_processed_total`), summed over event types. */
export async function outcomeCount(registry: Registry, outcome: string): Promise<number> {
  const metric = registry.getSingleMetric('grimos_consumer_events_processed_total')
  if (!metric) return 0
  const { values } = await metric.get()
  return values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0)
}
