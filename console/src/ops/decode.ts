import type { EventSerde, IncomingRecord, SchemaRegistryClient } from '@grimos/events'
import type { Message } from '../http/schemas/index.ts'
import { headersOf, hex, messageOf, printable } from './format.ts'

// One Kafka record as the console shows it: Confluent-framed Avro decoded with its writer schema (through the
// registry), JSON parsed, text as text, anything else as hex. Decoding never throws: a record that does not
// decode is shown with why.

const MAX_VERSION_CACHE = 1000

export class RecordDecoder {
  readonly #serde: EventSerde
  readonly #registry: SchemaRegistryClient
  /** Schema id to where it is registered; bounded (ids are few, but they come from record bytes). */
  readonly #versions = new Map<number, Promise<{ subject: string; version: number }[]>>()

  constructor(serde: EventSerde, registry: SchemaRegistryClient) {
    this.#serde = serde
    this.#registry = registry
  }

  async decode(record: IncomingRecord): Promise<Message> {
    const headers = headersOf(record.headers)
    const value = record.value
    const base = {
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
      timestamp: new Date(Number(record.timestamp)).toISOString(),
      key: record.key === undefined ? null : printable(record.key),
      headers,
      size: (record.key?.length ?? 0) + (value?.length ?? 0),
    }
    const decoded = await this.#value(value, record.topic)
    const fields = decoded.value && typeof decoded.value === 'object' ? (decoded.value as Record<string, unknown>) : {}
    const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined)
    const message: Message = { ...base, ...decoded }
    const eventType = headers.event_type ?? text('event_type')
    const eventId = headers.event_id ?? text('event_id')
    const userId = text('user_id')
    if (eventType !== undefined) message.eventType = eventType
    if (eventId !== undefined) message.eventId = eventId
    if (userId !== undefined) message.userId = userId
    return message
  }

  async #value(
    value: Buffer | undefined,
    topic: string,
  ): Promise<Pick<Message, 'valueFormat' | 'value'> & Partial<Message>> {
    if (!value) return { valueFormat: 'null', value: null }
    if (value.length > 5 && value[0] === 0) {
      try {
        const decoded = await this.#serde.decodeUnknown(value)
        const where = await this.#version(decoded.schemaId, topic)
        return {
          valueFormat: 'avro',
          value: decoded.value,
          schemaId: decoded.schemaId,
          ...(where && { subject: where.subject, schemaVersion: where.version }),
        }
      } catch (error) {
        return { valueFormat: 'binary', value: hex(value), decodeError: messageOf(error) }
      }
    }
    const text = printable(value)
    if (text.startsWith('0x')) return { valueFormat: 'binary', value: text }
    try {
      return { valueFormat: 'json', value: JSON.parse(text) as unknown }
    } catch {
      // Printable but not JSON: plain text is a fine value.
      return { valueFormat: 'text', value: text }
    }
  }

  /** The subject and version of a schema id; the same schema under several subjects: the topic's own first. */
  async #version(schemaId: number, topic: string): Promise<{ subject: string; version: number } | undefined> {
    const list = await this.#places(schemaId)
    return list.find((place) => place.subject.startsWith(`${topic}-`)) ?? list[0]
  }

  #places(schemaId: number): Promise<{ subject: string; version: number }[]> {
    let found = this.#versions.get(schemaId)
    if (!found) {
      if (this.#versions.size >= MAX_VERSION_CACHE) this.#versions.clear()
      // The version is a nicety: a registry that cannot say leaves it out (the value is decoded already).
      found = this.#registry.subjectVersionsOfId(schemaId).then(
        (list) => list.slice(0, 100),
        () => {
          this.#versions.delete(schemaId)
          return []
        },
      )
      this.#versions.set(schemaId, found)
    }
    return found
  }
}
