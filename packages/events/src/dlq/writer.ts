import { GrimError } from '../errors.ts'
import { type ConnectionOptions, KafkaAdmin, KafkaProducer, type RecordPosition } from '../kafka/index.ts'
import { resolveOptions } from '../options.ts'
import { buildDeadLetterHeaders, type DeadLetterFailure, type DeadLetterSource } from './headers.ts'
import { DeadLetterWriterOptionsSchema, deadLetterTopicOf, deadLetterWriterDefaults } from './options.ts'

/** The consumed record to dead-letter: an IncomingRecord fits. */
export interface DeadLetterSourceRecord extends DeadLetterSource {
  key: Buffer | undefined
  value: Buffer | undefined
}

export interface DeadLetterWriterOptions {
  connection?: ConnectionOptions
  partitions?: number
  replicationFactor?: number
  minInsyncReplicas?: number
}

/**
 * Sends a failed record to `<topic>.dlq`: the original key, value and headers byte for byte, plus the
 * provenance and failure headers. Same key means same DLQ partition, so per-key order survives in the DLQ.
 */
export class DeadLetterWriter {
  readonly #options: DeadLetterWriterOptions
  readonly #producer: KafkaProducer
  readonly #admin: KafkaAdmin
  /** One creation attempt per DLQ topic, shared by concurrent calls; dropped on failure so it is retried. */
  readonly #ensured = new Map<string, Promise<void>>()

  constructor(options?: DeadLetterWriterOptions) {
    this.#options = resolveOptions('DeadLetterWriter', DeadLetterWriterOptionsSchema, deadLetterWriterDefaults, options)
    this.#producer = new KafkaProducer(this.#options.connection)
    this.#admin = new KafkaAdmin(this.#options.connection)
  }

  async deadLetter(
    source: DeadLetterSourceRecord,
    consumerGroup: string,
    failure: DeadLetterFailure,
  ): Promise<RecordPosition> {
    const topic = deadLetterTopicOf(source.topic)
    await this.#ensureTopic(topic, source.topic)
    const headers = buildDeadLetterHeaders(source, consumerGroup, failure)
    const [position] = await this.#producer.send([
      { topic, key: source.key, value: source.value ?? null, headers: Object.fromEntries(headers) },
    ])
    if (!position) throw new GrimError('GRIM_PUBLISH_FAILED', `the broker acknowledged ${topic} without an offset`)
    return position
  }

  #ensureTopic(topic: string, sourceTopic: string): Promise<void> {
    let pending = this.#ensured.get(topic)
    if (!pending) {
      pending = this.#createLike(topic, sourceTopic)
      pending.catch(() => this.#ensured.delete(topic))
      this.#ensured.set(topic, pending)
    }
    return pending
  }

  async #createLike(topic: string, sourceTopic: string): Promise<void> {
    const partitions = this.#options.partitions ?? (await this.#admin.partitionOffsets(sourceTopic)).length
    await this.#admin.ensureTopic(topic, {
      partitions: partitions > 0 ? partitions : undefined,
      replicationFactor: this.#options.replicationFactor,
      minInsyncReplicas: this.#options.minInsyncReplicas,
    })
  }

  async close(): Promise<void> {
    await Promise.all([this.#producer.close(), this.#admin.close()])
  }
}
