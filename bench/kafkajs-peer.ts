// The peer a Node team writes by hand: KafkaJS 2.2.4 with @kafkajs/confluent-schema-registry, both as their READMEs
// show them. The schema id is looked up once (getLatestSchemaId); each record is encoded with `registry.encode`
// (Confluent wire format) and a batch goes out with one `producer.send`, awaited before the next, as their docs
// show. Idempotent producer (acks=all, which KafkaJS requires for it), same SASL_SSL listener and credentials.
import { readFileSync } from 'node:fs'
import { AVRO_CONTENT_TYPE, EVENT_HEADERS } from '@grimos/events'
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { Kafka, logLevel, type Producer } from 'kafkajs'

export interface KafkaJsPeer {
  /** Sends `count` records built by `record` in batches of `batchSize`; resolves with events/s. */
  run(count: number, batchSize: number, offset: number): Promise<number>
  close(): Promise<void>
}

type PeerRecord = { userId: string; value: Record<string, unknown> }

export async function kafkaJsPeer(
  bootstrap: string,
  registryUrl: string,
  topic: string,
  subject: string,
  record: (i: number) => PeerRecord,
): Promise<KafkaJsPeer> {
  const env = process.env
  const secure = env.KAFKA_SECURITY_PROTOCOL === 'SASL_SSL'
  const kafka = new Kafka({
    clientId: 'bench-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    ...(secure && {
      ssl: { ca: [readFileSync(env.KAFKA_SSL_CA_LOCATION ?? '', 'utf8')] },
      sasl: {
        mechanism: 'scram-sha-512' as const,
        username: env.KAFKA_SASL_USERNAME ?? '',
        password: env.KAFKA_SASL_PASSWORD ?? '',
      },
    }),
  })
  const producer: Producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false })
  await producer.connect()
  const registry = new SchemaRegistry({ host: registryUrl })
  const schemaId = await registry.getLatestSchemaId(subject)
  return {
    async run(count, batchSize, offset) {
      const started = performance.now()
      for (let i = 0; i < count; i += batchSize) {
        const messages = await Promise.all(
          Array.from({ length: Math.min(batchSize, count - i) }, async (_, j) => {
            const { userId, value } = record(offset + i + j)
            return {
              key: userId,
              value: await registry.encode(schemaId, value),
              headers: {
                [EVENT_HEADERS.eventType]: String(value.event_type),
                [EVENT_HEADERS.eventId]: String(value.event_id),
                [EVENT_HEADERS.schemaVersion]: String(value.schema_version),
                [EVENT_HEADERS.contentType]: AVRO_CONTENT_TYPE,
              },
            }
          }),
        )
        await producer.send({ topic, acks: -1, messages })
      }
      return count / ((performance.now() - started) / 1000)
    },
    close: () => producer.disconnect(),
  }
}
