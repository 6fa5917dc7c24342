import { GrimError } from '../errors.ts'
import type { ConnectionOptions, RecordPosition } from '../kafka/index.ts'
import { type HeldKafkaClients, holdKafkaClients, type KafkaClients } from '../kafka/shared-clients.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { partitionHash } from '../producer/partition.ts'
import { buildDeadLetterHeaders, type DeadLetterFailure, type DeadLetterSource } from './headers.ts'
import { DeadLetterWriterOptionsSchema, deadLetterTopicOf, deadLetterWriterDefaults } from './options.ts'

/** The consumed record to dead-letter: an IncomingRecord fits. */
export interface DeadLetterSourceRecord extends DeadLetterSource {
  key: Buffer | undefined
  value: Buffer | undefined
}

/** The data options come from the schema (options.ts); `connection` takes the full client settings (SASL, TLS). */
export interface DeadLetterWriterOptions
  extends Omit<OptionsInput<typeof DeadLetterWriterOptionsSchema>, 'connection'> {
  connection?: ConnectionOptions
  /** A producer and an admin shared with the rest of the process; the caller closes them. Default: its own. */
  clients?: KafkaClients
}

interface QueuedDeadLetter {
  record: {
    topic: string
    partition: number
    key: Buffer | undefined
    value: Buffer | null
    headers: Map<string, Buffer>
  }
  resolve: (position: RecordPosition) => void
  reject: (error: unknown) => void
}

export interface DeadLetterEntry {
  source: DeadLetterSourceRecord
  failure: DeadLetterFailure
}

/** A source record's DLQ record. The partition is chosen here (the client's rule for a key), so each record's
 * offset follows from its batch's. */
function recordFor(
  topic: string,
  partitions: number,
  source: DeadLetterSourceRecord,
  consumerGroup: string,
  failure: DeadLetterFailure,
): QueuedDeadLetter['record'] {
  return {
    topic,
    partition: source.key ? partitionHash(source.key) % partitions : source.partition % partitions,
    key: source.key,
    value: source.value ?? null,
    headers: buildDeadLetterHeaders(source, consumerGroup, failure),
  }
}

/** Records per produce request; a flood beyond it goes out in several, in order. */
const MAX_BATCH = 500
/** Produce requests out at once (the idempotent producer keeps per-partition order for up to five). */
const MAX_IN_FLIGHT = 4

/**
 * Sends a failed record to `<topic>.dlq`: the original key, value and headers byte for byte, plus the
 * provenance and failure headers. Same key means same DLQ partition, so per-key order survives in the DLQ.
 */
export class DeadLetterWriter {
  readonly #options: DeadLetterWriterOptions & { retentionMs: number }
  readonly #clients: HeldKafkaClients
  /** One creation attempt per DLQ topic, shared by concurrent calls; dropped on failure so it is retried. */
  readonly #ensured = new Map<string, Promise<number>>()
  /** Partition counts of the DLQ topics known to exist. */
  readonly #partitions = new Map<string, number>()
  readonly #queued: QueuedDeadLetter[] = []
  #inFlight = 0

  constructor(options?: DeadLetterWriterOptions) {
    const { clients, ...data } = options ?? {}
    this.#options = resolveOptions('DeadLetterWriter', DeadLetterWriterOptionsSchema, deadLetterWriterDefaults, data)
    this.#clients = holdKafkaClients(clients, this.#options.connection)
  }

  /** Creates the DLQ topic of each source topic now, so no dead letter waits for it. */
  async prepare(sourceTopics: string[]): Promise<void> {
    for (const source of sourceTopics) await this.#ensureTopic(deadLetterTopicOf(source), source)
  }

  deadLetter(
    source: DeadLetterSourceRecord,
    consumerGroup: string,
    failure: DeadLetterFailure,
  ): Promise<RecordPosition> {
    const topic = deadLetterTopicOf(source.topic)
    const partitions = this.#partitions.get(topic)
    // The topic is known after its first dead letter (or `prepare`): no wait, no extra promise on a poison flood.
    if (partitions === undefined)
      return this.#ensureTopic(topic, source.topic).then(() => this.deadLetter(source, consumerGroup, failure))
    let record: QueuedDeadLetter['record']
    try {
      record = recordFor(topic, partitions, source, consumerGroup, failure)
    } catch (error) {
      // An error whose message or stack cannot be read: the caller hears it as a failed write.
      return Promise.reject(error)
    }
    return new Promise((resolve, reject) => {
      this.#queued.push({ record, resolve, reject })
      this.#pump()
    })
  }

  /**
   * Several dead letters with one promise between them (no promise per record): resolves once every one is
   * acknowledged, rejects on the first that is not. They go out in the order given, in as few requests as fit.
   */
  deadLetterMany(entries: readonly DeadLetterEntry[], consumerGroup: string): Promise<void> {
    if (entries.length === 0) return Promise.resolve()
    for (const { source } of entries) {
      const topic = deadLetterTopicOf(source.topic)
      if (!this.#partitions.has(topic))
        return this.#ensureTopic(topic, source.topic).then(() => this.deadLetterMany(entries, consumerGroup))
    }
    let records: QueuedDeadLetter['record'][]
    try {
      records = entries.map(({ source, failure }) => {
        const topic = deadLetterTopicOf(source.topic)
        return recordFor(topic, this.#partitions.get(topic) as number, source, consumerGroup, failure)
      })
    } catch (error) {
      // Nothing was queued; the caller hears it as a failed write.
      return Promise.reject(error)
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    let left = records.length
    let failed = false
    const written = () => {
      if (--left === 0 && !failed) resolve()
    }
    const refused = (error: unknown) => {
      if (failed) return
      failed = true
      reject(error)
    }
    for (const record of records) this.#queued.push({ record, resolve: written, reject: refused })
    this.#pump()
    return promise
  }

  /**
   * Starts sends while fewer than MAX_IN_FLIGHT are out: one record alone when they trickle in (no added latency),
   * batches of what queued up meanwhile under a flood. A poison flood then costs one round trip per batch, several
   * overlapping, instead of one per record. The idempotent producer keeps the order of overlapping requests per
   * partition, as Java's does with up to five in flight.
   */
  #pump(): void {
    while (this.#queued.length > 0 && this.#inFlight < MAX_IN_FLIGHT) {
      const batch = this.#queued.splice(0, MAX_BATCH)
      this.#inFlight++
      void this.#sendBatch(batch).finally(() => {
        this.#inFlight--
        this.#pump()
      })
    }
  }

  async #sendBatch(batch: QueuedDeadLetter[]): Promise<void> {
    try {
      // The broker answers with one base offset per partition; records follow it in the order they were sent.
      const next = new Map<string, bigint>()
      for (const p of await this.#clients.producer.send(batch.map((queued) => queued.record)))
        next.set(`${p.topic}:${p.partition}`, p.offset)
      for (const queued of batch) {
        const { topic, partition } = queued.record
        const offset = next.get(`${topic}:${partition}`)
        if (offset === undefined) {
          queued.reject(new GrimError('GRIM_PUBLISH_FAILED', `the broker acknowledged ${topic} without an offset`))
          continue
        }
        next.set(`${topic}:${partition}`, offset + 1n)
        queued.resolve({ topic, partition, offset })
      }
    } catch (error) {
      // Every caller hears it and decides (the consumer retries the record); nothing is dropped here.
      for (const queued of batch) queued.reject(error)
    }
  }

  /** Creates the DLQ topic like its source if it is missing; resolves with its partition count. */
  #ensureTopic(topic: string, sourceTopic: string): Promise<number> {
    let pending = this.#ensured.get(topic)
    if (!pending) {
      pending = this.#createLike(topic, sourceTopic).then((partitions) => {
        this.#partitions.set(topic, partitions)
        return partitions
      })
      pending.catch(() => this.#ensured.delete(topic))
      this.#ensured.set(topic, pending)
    }
    return pending
  }

  async #createLike(topic: string, sourceTopic: string): Promise<number> {
    const partitions = this.#options.partitions ?? (await this.#clients.admin.partitionOffsets(sourceTopic)).length
    await this.#clients.admin.ensureTopic(topic, {
      partitions: partitions > 0 ? partitions : undefined,
      replicationFactor: this.#options.replicationFactor,
      minInsyncReplicas: this.#options.minInsyncReplicas,
      retentionMs: this.#options.retentionMs,
    })
    // An existing DLQ topic keeps the partition count it has.
    const actual = (await this.#clients.admin.partitionOffsets(topic)).length
    if (actual === 0) throw new GrimError('GRIM_KAFKA_UNAVAILABLE', `the broker reports no partitions for ${topic}`)
    return actual
  }

  async close(): Promise<void> {
    await this.#clients.release()
  }
}
