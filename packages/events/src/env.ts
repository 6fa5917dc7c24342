// Every environment variable @grimos/events reads is read here and nowhere else: lazily, on the first client that
// needs one, once per process. Precedence everywhere: options passed in code, then these, then the defaults in
// each component's options.ts. Secrets (passwords, tokens) only ever reach the client; they are never logged.
// docs/configuration.md lists these variables; a test keeps it in step with ENV_VARIABLES.
import { readFileSync, statSync } from 'node:fs'
import { GrimError, messageOf } from './errors.ts'

export interface EnvVariable {
  name: string
  default: string
  meaning: string
}

export const ENV_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'KAFKA_BOOTSTRAP_SERVERS',
    default: '127.0.0.1:9092',
    meaning: 'Brokers to bootstrap from, `host:port` comma-separated.',
  },
  {
    name: 'KAFKA_SECURITY_PROTOCOL',
    default: 'PLAINTEXT (SASL_SSL when a SASL username is set)',
    meaning: '`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, as in the Java client.',
  },
  {
    name: 'KAFKA_SASL_MECHANISM',
    default: 'SCRAM-SHA-512',
    meaning: '`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`.',
  },
  { name: 'KAFKA_SASL_USERNAME', default: '(none)', meaning: 'The principal to authenticate as.' },
  {
    name: 'KAFKA_SASL_PASSWORD',
    default: '(none)',
    meaning: 'Its password (for OAUTHBEARER: the token). Never logged.',
  },
  {
    name: 'KAFKA_SSL_CA_LOCATION',
    default: '(the system CAs)',
    meaning: "PEM file of the CA that signed the brokers' certificates.",
  },
  { name: 'KAFKA_SSL_CERTIFICATE_LOCATION', default: '(none)', meaning: 'PEM client certificate, for mutual TLS.' },
  { name: 'KAFKA_SSL_KEY_LOCATION', default: '(none)', meaning: 'PEM key of that certificate.' },
  { name: 'GRIMOS_TOPIC_PARTITIONS', default: '6', meaning: 'Partitions of the topics the library creates.' },
  { name: 'GRIMOS_TOPIC_REPLICATION', default: '1', meaning: 'Their replication factor (3 in production).' },
  { name: 'GRIMOS_TOPIC_MIN_ISR', default: '1', meaning: 'Their `min.insync.replicas` (2 in production).' },
  {
    name: 'SCHEMA_REGISTRY_URL',
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    meaning: 'Base URL of the Confluent-compatible registry API.',
  },
  {
    name: 'SCHEMA_REGISTRY_AUTH',
    default: '(none)',
    meaning: '`user:password` for basic auth, or `Bearer <token>`. Never logged.',
  },
  { name: 'SCHEMA_REGISTRY_CA', default: '(the system CAs)', meaning: "PEM file of the registry's CA, for https." },
  { name: 'DATABASE_URL', default: '(embedded PGlite)', meaning: '`postgres://…` of the outbox and dedupe database.' },
  {
    name: 'GRIMOS_SPILL_DIR',
    default: '`.grimos/spill` under the working directory',
    meaning: 'Where background events that failed every retry are kept.',
  },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'pino level of the loggers the library creates itself.' },
]

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'

export interface KafkaSecurity {
  sasl?: { mechanism: SaslMechanism; username?: string; password?: string; token?: string }
  /** TLS to the brokers; PEM texts, read from the *_LOCATION files. */
  tls?: { ca?: string; cert?: string; key?: string }
}

export interface EventsEnv {
  bootstrapBrokers?: string[]
  kafkaSecurity?: KafkaSecurity
  topicPartitions?: number
  topicReplication?: number
  topicMinIsr?: number
  registryUrl?: string
  registryAuth?: string
  registryCa?: string
  databaseUrl?: string
  spillDir?: string
  logLevel?: string
}

type Source = Record<string, string | undefined>

let resolved: EventsEnv | undefined

/** The library's environment, read on first use and then kept for the life of the process. */
export function eventsEnv(): EventsEnv {
  resolved ??= readEventsEnv(process.env)
  return resolved
}

/** Forgets what was read, so the next `eventsEnv()` reads again: for tests that change `process.env`. */
export function forgetEventsEnv(): void {
  resolved = undefined
}

/** A KAFKA_BOOTSTRAP_SERVERS value (`host:port`, comma-separated) as client options take it; undefined when empty. */
export function parseBrokerList(list: string | undefined): string[] | undefined {
  const brokers = list
    ?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean)
  return brokers?.length ? brokers : undefined
}

/** Reads and checks `source`; a malformed value is GRIM_CONFIG_INVALID naming the variable, never a guess. */
export function readEventsEnv(source: Source): EventsEnv {
  const text = (name: string) => {
    const value = source[name]?.trim()
    return value ? value : undefined
  }
  return {
    bootstrapBrokers: parseBrokerList(text('KAFKA_BOOTSTRAP_SERVERS')),
    kafkaSecurity: kafkaSecurity(source, text),
    topicPartitions: count(source, 'GRIMOS_TOPIC_PARTITIONS'),
    topicReplication: count(source, 'GRIMOS_TOPIC_REPLICATION'),
    topicMinIsr: count(source, 'GRIMOS_TOPIC_MIN_ISR'),
    registryUrl: text('SCHEMA_REGISTRY_URL'),
    registryAuth: text('SCHEMA_REGISTRY_AUTH'),
    registryCa: pemFile(source, 'SCHEMA_REGISTRY_CA'),
    databaseUrl: text('DATABASE_URL'),
    spillDir: text('GRIMOS_SPILL_DIR'),
    logLevel: text('LOG_LEVEL'),
  }
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const
const MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']

function kafkaSecurity(source: Source, text: (name: string) => string | undefined): KafkaSecurity | undefined {
  const username = text('KAFKA_SASL_USERNAME')
  const password = source.KAFKA_SASL_PASSWORD
  // Credentials without a protocol mean the secure one: never send a password in the clear by omission.
  const protocol = text('KAFKA_SECURITY_PROTOCOL')?.toUpperCase() ?? (username || password ? 'SASL_SSL' : 'PLAINTEXT')
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw invalid('KAFKA_SECURITY_PROTOCOL', `must be one of ${PROTOCOLS.join(', ')}`)
  if (protocol === 'PLAINTEXT') return undefined
  const security: KafkaSecurity = {}
  if (protocol.startsWith('SASL_')) {
    const mechanism = (text('KAFKA_SASL_MECHANISM')?.toUpperCase() ?? 'SCRAM-SHA-512') as SaslMechanism
    if (!MECHANISMS.includes(mechanism))
      throw invalid('KAFKA_SASL_MECHANISM', `must be one of ${MECHANISMS.join(', ')}`)
    if (!password) throw invalid('KAFKA_SASL_PASSWORD', `is required with ${protocol}`)
    if (mechanism === 'OAUTHBEARER') security.sasl = { mechanism, token: password }
    else {
      if (!username) throw invalid('KAFKA_SASL_USERNAME', `is required with ${protocol} and ${mechanism}`)
      security.sasl = { mechanism, username, password }
    }
  }
  if (protocol.endsWith('SSL')) {
    security.tls = {
      ca: pemFile(source, 'KAFKA_SSL_CA_LOCATION'),
      cert: pemFile(source, 'KAFKA_SSL_CERTIFICATE_LOCATION'),
      key: pemFile(source, 'KAFKA_SSL_KEY_LOCATION'),
    }
    if (Boolean(security.tls.cert) !== Boolean(security.tls.key))
      throw invalid('KAFKA_SSL_KEY_LOCATION', 'and KAFKA_SSL_CERTIFICATE_LOCATION go together (mutual TLS needs both)')
  }
  return security
}

function count(source: Source, name: string): number | undefined {
  const value = source[name]?.trim()
  if (!value) return undefined
  if (!/^[1-9]\d{0,4}$/.test(value)) throw invalid(name, `must be a whole number from 1, not "${value}"`)
  return Number(value)
}

/** A PEM bundle is a few KiB; a bigger file is a wrong path, not a certificate. */
const MAX_PEM_BYTES = 1024 * 1024

function pemFile(source: Source, name: string): string | undefined {
  const path = source[name]?.trim()
  if (!path) return undefined
  try {
    if (statSync(path).size > MAX_PEM_BYTES) throw new Error(`larger than ${MAX_PEM_BYTES} bytes`)
    const pem = readFileSync(path, 'utf8')
    if (!pem.includes('-----BEGIN ')) throw new Error('no PEM block in it')
    return pem
  } catch (error) {
    throw invalid(name, `names ${path}, which cannot be used: ${messageOf(error)}`, error)
  }
}

function invalid(name: string, problem: string, cause?: unknown): GrimError {
  return new GrimError('GRIM_CONFIG_INVALID', `environment variable ${name} ${problem}`, {
    cause,
    details: { variable: name },
  })
}
