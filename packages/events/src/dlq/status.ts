import { GrimError } from '../errors.ts'
import type { KafkaAdmin, KafkaProducer, KafkaRangeReader } from '../kafka/index.ts'
import type { DeadLetterPosition, DeadLetterStatusEntry } from './types.ts'

export function statusKey(position: DeadLetterPosition): string {
  return `${position.partition}/${position.offset}`
}

/**
 * Replay and discard decisions for one DLQ topic. Kafka topics are append-only, so decisions live in a
 * compacted side topic keyed by `<partition>/<offset>`: the latest decision per record survives compaction.
 * The store reads the topic once, then only what was appended since (up to the high watermark each time).
 */
export class DeadLetterStatusStore {
  readonly #topic: string
  readonly #admin: KafkaAdmin
  readonly #producer: KafkaProducer
  readonly #reader: KafkaRangeReader
  readonly #entries = new Map<string, DeadLetterStatusEntry>()
  #readUntil = 0n
  #created: Promise<void> | undefined

  constructor(topic: string, clients: { admin: KafkaAdmin; producer: KafkaProducer; reader: KafkaRangeReader }) {
    this.#topic = topic
    this.#admin = clients.admin
    this.#producer = clients.producer
    this.#reader = clients.reader
  }

  get topic(): string {
    return this.#topic
  }

  /** Decisions by `<partition>/<offset>`, current as of this call. */
  async load(): Promise<ReadonlyMap<string, DeadLetterStatusEntry>> {
    await this.#ensureTopic()
    // One partition: the whole decision log stays in order.
    const [partition] = await this.#admin.partitionOffsets(this.#topic)
    if (!partition || partition.high <= this.#readUntil) return this.#entries
    const from = later(this.#readUntil, partition.low)
    for await (const record of this.#reader.read(this.#topic, [{ partition: 0, from, until: partition.high }])) {
      const key = record.key?.toString('utf8')
      if (!key) continue
      if (!record.value) this.#entries.delete(key)
      else this.#entries.set(key, parseEntry(this.#topic, key, record.value))
    }
    this.#readUntil = partition.high
    return this.#entries
  }

  async get(position: DeadLetterPosition): Promise<DeadLetterStatusEntry | undefined> {
    return (await this.load()).get(statusKey(position))
  }

  async set(position: DeadLetterPosition, entry: DeadLetterStatusEntry): Promise<void> {
    await this.#ensureTopic()
    const key = statusKey(position)
    await this.#producer.send([{ topic: this.#topic, key, value: Buffer.from(JSON.stringify(entry)) }])
    this.#entries.set(key, entry)
  }

  #ensureTopic(): Promise<void> {
    if (!this.#created) {
      this.#created = this.#admin.ensureTopic(this.#topic, { partitions: 1 }, { 'cleanup.policy': 'compact' })
      this.#created.catch(() => {
        this.#created = undefined
      })
    }
    return this.#created
  }
}

const later = (a: bigint, b: bigint) => (a > b ? a : b)

function parseEntry(topic: string, key: string, value: Buffer): DeadLetterStatusEntry {
  try {
    const entry = JSON.parse(value.toString('utf8')) as DeadLetterStatusEntry
    if (entry.status !== 'replayed' && entry.status !== 'discarded') throw new Error(`unknown status ${entry.status}`)
    return entry
  } catch (error) {
    throw new GrimError('GRIM_DECODE_FAILED', `status record ${key} in ${topic} is not a valid status entry`, {
      cause: error,
    })
  }
}
