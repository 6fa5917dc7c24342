import { Type } from 'typebox'
import { USER_EVENTS_TOPIC } from '../catalog/index.ts'
import { eventsEnv } from '../env.ts'
import { SUBJECT_STRATEGIES } from './subjects.ts'

export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number]

export const RegistryOptionsSchema = Type.Object({
  /** Base URL of the Confluent-compatible API (Apicurio: .../apis/ccompat/v7). */
  registryUrl: Type.String({ pattern: '^https?://' }),
  /** Retries of the registry client on 5xx answers, before GRIM_REGISTRY_UNAVAILABLE. */
  registryRetries: Type.Integer({ minimum: 0, maximum: 10 }),
  /** Timeout of each registry HTTP request (ms). */
  registryTimeoutMs: Type.Integer({ minimum: 100 }),
  /** `user:password` (basic auth) or `Bearer <token>`; sent on every request, never logged. */
  registryAuth: Type.Optional(Type.String({ minLength: 3 })),
  /** PEM of the registry's CA, for https with a private CA. */
  registryCa: Type.Optional(Type.String({ minLength: 1 })),
})

/** The registry settings the environment gives (env.ts). */
export function registryEnvironment() {
  const env = eventsEnv()
  return { registryUrl: env.registryUrl, registryAuth: env.registryAuth, registryCa: env.registryCa }
}

export const registryDefaults = {
  registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  registryRetries: 2,
  registryTimeoutMs: 10_000,
}

export const EventSerdeOptionsSchema = Type.Object({
  ...RegistryOptionsSchema.properties,
  /** The topic whose subjects the schemas are registered under. */
  topic: Type.String({ minLength: 1 }),
  /** How subjects are named (docs/events.md, "Wire format and subjects"). */
  subjectStrategy: Type.Enum(SUBJECT_STRATEGIES),
  /** Register the catalog schemas on first use; off for consumers that must never write to the registry. */
  autoRegister: Type.Boolean(),
  /** Set on every subject we register under, so the registry refuses incompatible changes. */
  compatibility: Type.Enum(COMPATIBILITY_LEVELS),
  /** Largest framed record decoded at all; anything larger goes to the DLQ unread. */
  maxRecordBytes: Type.Integer({ minimum: 6 }),
  /** Most array items plus map entries in one record, over all its arrays and maps. */
  maxItems: Type.Integer({ minimum: 0 }),
  /** Deepest nesting of records, arrays and maps in one record. */
  maxDepth: Type.Integer({ minimum: 1, maximum: 1_000 }),
  /** How long a schema id the registry answered 404 for is remembered as unknown (ms). */
  unknownSchemaTtlMs: Type.Integer({ minimum: 0 }),
})

export const eventSerdeDefaults = {
  ...registryDefaults,
  topic: USER_EVENTS_TOPIC,
  subjectStrategy: 'TopicRecordNameStrategy' as const,
  autoRegister: true,
  compatibility: 'BACKWARD' as const,
  // Kafka's own default message.max.bytes: a record the broker would accept is never refused for its size.
  maxRecordBytes: 1_048_588,
  maxItems: 100_000,
  maxDepth: 32,
  unknownSchemaTtlMs: 60_000,
}
