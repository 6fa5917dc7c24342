// Avro in the Confluent wire format for the user-event catalog. Schema ids are resolved once per event type
// (registering at first use by default) and writer schemas once per id, so after warm-up neither encode
// nor decode makes an HTTP call. Nothing invalid ever reaches Kafka: `encode` validates first, and
// `encodeValidated`/`writeValidated` take only what was validated already (`createUserEvent` or
// `validateUserEvent`), so an event is validated once on its way out.
import type avro from 'avsc'
import {
  type AvroRecordSchema,
  type AvroType,
  avroSchemaFor,
  avroTypeFor,
  compileAvroType,
  eventTypeForRecord,
  recordNameFor,
  USER_EVENT_TYPES,
  type UserEvent,
  type UserEventType,
  validateUserEvent,
} from '../catalog/index.ts'
import { validateDecoded } from '../catalog/validate.ts'
import { GrimError, messageOf, withoutStack } from '../errors.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { type BoundsCheck, BoundsViolation, boundsCheckFor, type DecodeLimits } from './bounds.ts'
import { EventSerdeOptionsSchema, eventSerdeDefaults, registryEnvironment } from './options.ts'
import { SchemaRegistryClient } from './registry.ts'
import { subjectFor } from './subjects.ts'
import { HEADER_LENGTH, unframe, writeHeader } from './wire.ts'

export type EventSerdeOptions = OptionsInput<typeof EventSerdeOptionsSchema>

export interface DecodeOptions {
  /** The consumer's own Avro schema for the record; defaults to this catalog's schema for the writer's record. */
  readerSchema?: object
}

export interface RegisteredSchema {
  eventType: UserEventType
  recordName: string
  subject: string
  id: number
}

/** A record read with the schema it was written with: what a DLQ browser shows. */
export interface DecodedRecord {
  schemaId: number
  recordName: string
  writerSchema: object
  value: unknown
}

interface WriterEntry {
  schema: object
  type: AvroType
  recordName: string
  /** Checks a payload's lengths and counts against this writer schema before avsc reads it. */
  check: BoundsCheck
}

interface ReaderEntry {
  type: AvroType
  /** Per writer schema id; null when the writer's binary layout is the reader's own (no resolver needed). */
  resolvers: Map<number, avro.Resolver | null>
}

export class EventSerde {
  readonly registry: SchemaRegistryClient
  readonly #options: ReturnType<typeof resolveSerdeOptions>
  readonly #ids = new Map<UserEventType, number>()
  readonly #pendingIds = new Map<UserEventType, Promise<number>>()
  readonly #writers = new Map<number, Promise<WriterEntry>>()
  /** The settled entries of `#writers`: the consumer's hot path reads them without awaiting. */
  readonly #readyWriters = new Map<number, WriterEntry>()
  readonly #catalogReaders = new Map<string, ReaderEntry>()
  readonly #customReaders = new WeakMap<object, ReaderEntry>()
  /** Ids the registry answered 404 for, with when that answer expires: a flood of them costs one lookup each. */
  readonly #unknownIds = new Map<number, { error: GrimError; until: number }>()
  readonly #limits: DecodeLimits
  // Events are encoded straight after the header in one reusable buffer, then copied out once.
  #scratch = Buffer.allocUnsafe(16 * 1024)
  #closed = false

  constructor(options?: EventSerdeOptions) {
    this.#options = resolveSerdeOptions(options)
    this.registry = new SchemaRegistryClient(this.#options)
    const { maxRecordBytes, maxItems, maxDepth } = this.#options
    this.#limits = { maxRecordBytes, maxItems, maxDepth }
  }

  /** The bounds every decode applies to hostile bytes. */
  get limits(): Readonly<DecodeLimits> {
    return this.#limits
  }

  get topic(): string {
    return this.#options.topic
  }

  subjectFor(eventType: UserEventType): string {
    return subjectFor(this.#options.subjectStrategy, this.#options.topic, recordNameFor(eventType))
  }

  /** Registers (or, with autoRegister off, looks up) every catalog schema; call at start-up to fail early. */
  async registerSchemas(): Promise<RegisteredSchema[]> {
    const entry = (eventType: UserEventType, id: number): RegisteredSchema => ({
      eventType,
      recordName: recordNameFor(eventType),
      subject: this.subjectFor(eventType),
      id,
    })
    // Under TopicNameStrategy all types share a subject and the order decides the versions: one at a time.
    // Otherwise each type has a subject of its own and they register side by side (a faster start-up).
    if (this.#options.subjectStrategy !== 'TopicNameStrategy') {
      const ids = await Promise.all(USER_EVENT_TYPES.map((eventType) => this.schemaIdFor(eventType)))
      return USER_EVENT_TYPES.map((eventType, i) => entry(eventType, ids[i] as number))
    }
    const registered: RegisteredSchema[] = []
    for (const eventType of USER_EVENT_TYPES) registered.push(entry(eventType, await this.schemaIdFor(eventType)))
    return registered
  }

  /** Sets the configured compatibility level (BACKWARD by default) on every subject of the catalog. */
  async ensureCompatibility(): Promise<void> {
    const subjects = new Set(USER_EVENT_TYPES.map((eventType) => this.subjectFor(eventType)))
    for (const subject of subjects) await this.registry.setCompatibility(subject, this.#options.compatibility)
  }

  /** The registry id of the catalog schema of `eventType`; resolved once, then served from memory. */
  schemaIdFor(eventType: UserEventType): Promise<number> {
    const cached = this.#ids.get(eventType)
    if (cached !== undefined) return Promise.resolve(cached)
    let pending = this.#pendingIds.get(eventType)
    if (!pending) {
      pending = this.#resolveId(eventType).finally(() => this.#pendingIds.delete(eventType))
      this.#pendingIds.set(eventType, pending)
    }
    return pending
  }

  /** Validates `event`, then encodes it framed. */
  async encode(event: UserEvent): Promise<Buffer> {
    if (this.#closed) throw new GrimError('GRIM_CLOSED', 'the event serde is closed')
    return this.encodeValidated(validateUserEvent(event, Date.now()))
  }

  /** Encodes, framed, an event that already passed validation (what `createUserEvent` returns). */
  async encodeValidated(event: UserEvent): Promise<Buffer> {
    if (this.#closed) throw new GrimError('GRIM_CLOSED', 'the event serde is closed')
    const eventType = event.event_type
    const id = this.#ids.get(eventType) ?? (await this.schemaIdFor(eventType))
    return this.#write(avroTypeFor(eventType), id, event)
  }

  /**
   * Writes an event that already passed validation (what `createUserEvent` returns), framed, into `target` at
   * `offset`, so a batch of events shares one buffer. Returns the end offset, minus the bytes missing when
   * `target` is too small (grow it and call again), or undefined while the schema id is not in memory.
   */
  writeValidated(event: UserEvent, target: Buffer, offset: number): number | undefined {
    if (this.#closed) throw new GrimError('GRIM_CLOSED', 'the event serde is closed')
    const id = this.#ids.get(event.event_type)
    if (id === undefined) return undefined
    if (target.length < offset + HEADER_LENGTH) return target.length - offset - HEADER_LENGTH - 1
    const end = avroTypeFor(event.event_type).encode(event, target, offset + HEADER_LENGTH)
    if (end > 0) writeHeader(target, id, offset)
    return end
  }

  /**
   * Reads a framed record with the writer's schema (by id) resolved into the reader schema, so an old
   * writer and a new reader work, and the other way round, within the compatibility rules.
   */
  async decode(bytes: Uint8Array, options: DecodeOptions = {}): Promise<UserEvent> {
    const { schemaId, payload } = this.#unframe(bytes)
    const writer = this.#readyWriters.get(schemaId) ?? (await this.#writer(schemaId))
    return this.#decodeWith(schemaId, payload, writer, options.readerSchema)
  }

  /**
   * `decode` without waiting, for the consumer's hot path: undefined when the writer schema is not in memory
   * yet (then call `decode`). Throws what `decode` would throw.
   */
  decodeCached(bytes: Uint8Array): UserEvent | undefined {
    const { schemaId, payload } = this.#unframe(bytes)
    const writer = this.#readyWriters.get(schemaId)
    if (writer) return this.#decodeWith(schemaId, payload, writer, undefined)
    // An id the registry said it does not know fails here too: a flood of them costs no rejected promise each.
    const unknown = this.#unknownIds.get(schemaId)
    if (unknown && unknown.until > Date.now()) throw unknown.error
    return undefined
  }

  /** Reads a framed record with its writer schema only, without validation: for inspecting dead letters. */
  async decodeUnknown(bytes: Uint8Array): Promise<DecodedRecord> {
    const { schemaId, payload } = this.#unframe(bytes)
    const writer = this.#readyWriters.get(schemaId) ?? (await this.#writer(schemaId))
    const value = this.#read(schemaId, payload, writer, writer.type, undefined)
    return { schemaId, recordName: writer.recordName, writerSchema: writer.schema, value }
  }

  #decodeWith(schemaId: number, payload: Buffer, writer: WriterEntry, readerSchema: object | undefined): UserEvent {
    const reader = readerSchema ? this.#customReader(readerSchema) : this.#catalogReader(writer)
    const value = this.#read(schemaId, payload, writer, reader.type, this.#resolver(reader, schemaId, writer))
    // The decoder already guarantees the structure; the business rules still run.
    return validateDecoded(reader.type, value, Date.now())
  }

  /** Nothing holds a connection (HTTP is per request); closing refuses further encodes. */
  async close(): Promise<void> {
    this.#closed = true
  }

  async #resolveId(eventType: UserEventType): Promise<number> {
    const subject = this.subjectFor(eventType)
    const schema: AvroRecordSchema = avroSchemaFor(eventType)
    const id = this.#options.autoRegister
      ? await this.registry.register(subject, schema, this.#options.compatibility)
      : await this.registry.lookup(subject, schema)
    this.#ids.set(eventType, id)
    // Our own records then decode without asking the registry for a schema we already hold.
    if (!this.#writers.has(id)) {
      const type = avroTypeFor(eventType)
      const entry = { schema, type, recordName: recordNameFor(eventType), check: boundsCheckFor(type) }
      this.#writers.set(id, Promise.resolve(entry))
      this.#readyWriters.set(id, entry)
    }
    return id
  }

  #write(type: AvroType, id: number, event: UserEvent): Buffer {
    let end = type.encode(event, this.#scratch, HEADER_LENGTH)
    while (end < 0) {
      // avsc returns minus the number of missing bytes; grow with headroom and encode again.
      this.#scratch = Buffer.allocUnsafe((this.#scratch.length - end) * 2)
      end = type.encode(event, this.#scratch, HEADER_LENGTH)
    }
    writeHeader(this.#scratch, id)
    const framed = Buffer.allocUnsafe(end)
    this.#scratch.copy(framed, 0, 0, end)
    return framed
  }

  /** Splits the frame after checking the record's size, the first bound, before anything else is read. */
  #unframe(bytes: Uint8Array): ReturnType<typeof unframe> {
    const limit = this.#limits.maxRecordBytes
    if (bytes && bytes.length > limit)
      throw withoutStack(
        () =>
          new GrimError(
            'GRIM_DECODE_FAILED',
            `cannot decode record: ${bytes.length} bytes exceed the limit of ${limit}`,
            {
              details: { reason: 'record too large', size: bytes.length, limit },
            },
          ),
      )
    return unframe(bytes)
  }

  #read(
    schemaId: number,
    payload: Buffer,
    writer: WriterEntry,
    type: AvroType,
    resolver: avro.Resolver | undefined,
  ): unknown {
    try {
      // The writer's schema describes the bytes, whatever reader resolves them; avsc reads only checked bytes.
      writer.check(payload, this.#limits)
      return type.fromBuffer(payload, resolver)
    } catch (error) {
      const details =
        error instanceof BoundsViolation ? { schemaId, reason: error.reason, offset: error.offset } : { schemaId }
      // The input's fault, not the code's: no stack frames (errors.ts, withoutStack).
      throw withoutStack(
        () =>
          new GrimError('GRIM_DECODE_FAILED', `cannot decode record with schema id ${schemaId}: ${messageOf(error)}`, {
            cause: error,
            details,
          }),
      )
    }
  }

  #writer(schemaId: number): Promise<WriterEntry> {
    let writer = this.#writers.get(schemaId)
    if (!writer) {
      const unknown = this.#unknownIds.get(schemaId)
      if (unknown && unknown.until > Date.now()) return Promise.reject(unknown.error)
      this.#unknownIds.delete(schemaId)
      writer = this.registry.schemaById(schemaId).then((schema) => {
        const type = compileWriterType(schemaId, schema)
        const entry = { schema, type, recordName: type.name ?? '', check: boundsCheckFor(type) }
        this.#readyWriters.set(schemaId, entry)
        return entry
      })
      writer.catch((error: unknown) => {
        // A failed lookup is not cached as a schema: the registry may be back, or the id registered, next time.
        this.#writers.delete(schemaId)
        if (error instanceof GrimError && error.code === 'GRIM_SCHEMA_NOT_FOUND') this.#rememberUnknown(schemaId, error)
      })
      this.#writers.set(schemaId, writer)
    }
    return writer
  }

  /** Ids are never reused by a registry, so a 404 stays true; the TTL only bounds how long a mistake lives. */
  #rememberUnknown(schemaId: number, error: GrimError): void {
    if (this.#unknownIds.size >= UNKNOWN_IDS_KEPT) {
      const oldest = this.#unknownIds.keys().next().value
      if (oldest !== undefined) this.#unknownIds.delete(oldest)
    }
    this.#unknownIds.set(schemaId, { error, until: Date.now() + this.#options.unknownSchemaTtlMs })
  }

  #catalogReader(writer: WriterEntry): ReaderEntry {
    let reader = this.#catalogReaders.get(writer.recordName)
    if (!reader) {
      const eventType = eventTypeForRecord(writer.recordName)
      if (!eventType)
        throw new GrimError(
          'GRIM_EVENT_TYPE_UNKNOWN',
          `record ${writer.recordName || '(unnamed)'} is not a user event of the catalog`,
          { details: { recordName: writer.recordName } },
        )
      reader = { type: avroTypeFor(eventType), resolvers: new Map() }
      this.#catalogReaders.set(writer.recordName, reader)
    }
    return reader
  }

  #customReader(readerSchema: object): ReaderEntry {
    let reader = this.#customReaders.get(readerSchema)
    if (!reader) {
      try {
        reader = { type: compileAvroType(readerSchema), resolvers: new Map() }
      } catch (error) {
        throw new GrimError('GRIM_CONFIG_INVALID', `the reader schema is not valid Avro: ${messageOf(error)}`, {
          cause: error,
        })
      }
      this.#customReaders.set(readerSchema, reader)
    }
    return reader
  }

  #resolver(reader: ReaderEntry, schemaId: number, writer: WriterEntry): avro.Resolver | undefined {
    let resolver = reader.resolvers.get(schemaId)
    if (resolver === undefined) {
      try {
        // Canonically equal schemas share one binary layout: the reader type reads the bytes itself.
        resolver = reader.type.equals(writer.type) ? null : reader.type.createResolver(writer.type)
      } catch (error) {
        throw new GrimError(
          'GRIM_DECODE_FAILED',
          `reader schema ${reader.type.name} cannot read writer schema id ${schemaId} (${writer.recordName}): ${messageOf(error)}`,
          { cause: error, details: { schemaId } },
        )
      }
      reader.resolvers.set(schemaId, resolver)
    }
    return resolver ?? undefined
  }
}

function resolveSerdeOptions(options: EventSerdeOptions | undefined) {
  return resolveOptions('event serde', EventSerdeOptionsSchema, eventSerdeDefaults, options, registryEnvironment())
}

const UNKNOWN_IDS_KEPT = 1_000

/** A registry's answer is input too: a schema avsc refuses, or one we cannot bound-check, fails only its records. */
function compileWriterType(schemaId: number, schema: object): AvroType {
  try {
    return compileAvroType(schema)
  } catch (error) {
    throw new GrimError(
      'GRIM_DECODE_FAILED',
      `the registry's schema id ${schemaId} is not valid Avro: ${messageOf(error)}`,
      { cause: error, details: { schemaId } },
    )
  }
}
