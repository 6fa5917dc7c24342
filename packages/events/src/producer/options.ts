import { join } from 'node:path'
import { Type } from 'typebox'
import { USER_EVENTS_TOPIC } from '../catalog/index.ts'
import { eventsEnv } from '../env.ts'
import { BackoffSchema } from '../retry/backoff.ts'

export const PublisherOptionsSchema = Type.Object({
  /** The topic events are published to. */
  topic: Type.String({ minLength: 1 }),
  /** Names the producers in broker logs. */
  clientId: Type.String({ minLength: 1 }),
  /** Brokers; the Kafka connection default (KAFKA_BOOTSTRAP_SERVERS) when unset. */
  bootstrapBrokers: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  /** The registry; the serde's default (SCHEMA_REGISTRY_URL) when unset. */
  registryUrl: Type.Optional(Type.String({ minLength: 1 })),
  /** Per-request timeout towards the broker; keeps one hung request from eating the whole deadline. */
  requestTimeoutMs: Type.Integer({ minimum: 100 }),
  /** A sync publish (and each background batch) gives up after this long, retries included. */
  deadlineMs: Type.Integer({ minimum: 100 }),
  /** Backoff between attempts of a failing send, within `deadlineMs`. */
  retry: BackoffSchema,
  /** Create the topic at start-up if it is missing, with this layout. */
  ensureTopic: Type.Boolean(),
  /** Layout of the topic when it is created; unset fields come from GRIMOS_TOPIC_* or the Kafka defaults. */
  topicLayout: Type.Object({
    partitions: Type.Optional(Type.Integer({ minimum: 1 })),
    replicationFactor: Type.Optional(Type.Integer({ minimum: 1 })),
    minInsyncReplicas: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  /** The background queue: its bound, what a full queue does, and the batch size. */
  queue: Type.Object({
    capacity: Type.Integer({ minimum: 1 }),
    /** What a full queue does: 'reject' throws GRIM_QUEUE_FULL; 'spill' writes the event to the spill file. */
    overflow: Type.Union([Type.Literal('reject'), Type.Literal('spill')]),
    batchSize: Type.Integer({ minimum: 1, maximum: 10_000 }),
  }),
  /** The worker thread that owns the background producer, and its send pipeline (docs/publishing-pipeline.md). */
  sendWorker: Type.Object({
    /**
     * Young generation of the send worker's V8 heap. The Kafka client allocates a few short-lived buffers per
     * record; at 16 MB the worker spent about 30% less CPU per event than with V8's default (bench/publish.ts).
     */
    youngGenerationMb: Type.Integer({ minimum: 1, maximum: 1024 }),
    /**
     * Produce requests under way at once. A partition is in at most one of them, so per-key order holds, failures
     * included; while one request is at the broker the next is built (docs/publishing-pipeline.md).
     */
    maxInFlight: Type.Integer({ minimum: 1, maximum: 16 }),
    /** A request takes the oldest waiting records of free partitions up to this many (one partition's run is never split). */
    maxRequestRecords: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /**
     * How long a request smaller than `maxRequestRecords` may wait for more records. 0: it goes at once; records
     * arriving while requests are under way still gather into the next one.
     */
    lingerMs: Type.Integer({ minimum: 0, maximum: 1_000 }),
    /** Compression of record batches (the broker keeps them compressed). */
    compression: Type.Union([
      Type.Literal('none'),
      Type.Literal('gzip'),
      Type.Literal('snappy'),
      Type.Literal('lz4'),
      Type.Literal('zstd'),
    ]),
  }),
  /** NDJSON file keeping events that failed every retry; re-sent on the next start. */
  spillFile: Type.String({ minLength: 1 }),
})

export const publisherDefaults = {
  topic: USER_EVENTS_TOPIC,
  clientId: 'grimos-publisher',
  requestTimeoutMs: 5_000,
  deadlineMs: 30_000,
  retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 5_000, jitter: 0.5, maxAttempts: 20 },
  ensureTopic: true,
  // One layout for every topic we create: KafkaAdmin.ensureTopic fills it from GRIMOS_TOPIC_* or its defaults.
  topicLayout: {},
  queue: { capacity: 10_000, overflow: 'reject' as const, batchSize: 1_000 },
  sendWorker: {
    youngGenerationMb: 16,
    maxInFlight: 2,
    maxRequestRecords: 500,
    lingerMs: 0,
    compression: 'none' as const,
  },
}

/** Where spilled events go unless `spillFile` is passed: GRIMOS_SPILL_DIR, else .grimos/spill in the working directory. */
export function defaultSpillFile(): string {
  return join(eventsEnv().spillDir ?? join(process.cwd(), '.grimos', 'spill'), 'user-events.ndjson')
}
