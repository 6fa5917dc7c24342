import {
  type ConnectionOptions,
  EventSerde,
  KafkaAdmin,
  KafkaInspector,
  KafkaProducer,
  KafkaRangeReader,
  type SchemaRegistryClient,
} from '@grimos/events'
import { type OpsOptions, opsDefaults } from './options.ts'

/**
 * The clients the ops share: one inspector (admin), one range reader, one producer, one serde (its registry
 * client caches schemas by id). Credentials and brokers come from the environment through @grimos/events.
 */
export interface Ops {
  readonly options: OpsOptions
  readonly inspector: KafkaInspector
  /** The library's admin, which DeadLetterQueue takes. */
  readonly admin: KafkaAdmin
  readonly reader: KafkaRangeReader
  readonly producer: KafkaProducer
  readonly serde: EventSerde
  readonly registry: SchemaRegistryClient
  readonly connection: ConnectionOptions
  close(): Promise<void>
}

export function openOps(options: Partial<OpsOptions> = {}, connection: ConnectionOptions = {}): Ops {
  const resolved = { ...opsDefaults, ...options }
  const withId = { clientId: resolved.clientId, ...connection }
  const inspector = new KafkaInspector(withId)
  const admin = new KafkaAdmin(withId)
  // 1 MiB fetches: a page read newest-first reads each chunk forward, and a fetch overshoots its chunk's end by
  // up to its size, so bigger fetches cost more than they save (measured: 8 MiB made a search 20 times slower).
  const reader = new KafkaRangeReader({ ...withId, maxBytesPerFetch: 1_048_576 })
  const producer = new KafkaProducer(withId)
  // Reads and validates only: the console never registers the catalog's schemas on its own.
  const serde = new EventSerde({ topic: resolved.userEventsTopic, autoRegister: false })
  let closed: Promise<void> | undefined
  return {
    options: resolved,
    inspector,
    admin,
    reader,
    producer,
    serde,
    registry: serde.registry,
    connection: withId,
    close() {
      closed ??= Promise.all([inspector.close(), admin.close(), reader.close(), producer.close(), serde.close()]).then(
        () => undefined,
      )
      return closed
    },
  }
}
