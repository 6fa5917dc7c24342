// Header names for dead-lettered, retried and replayed records, and a reader that also understands the DLQ
// headers of Spring Kafka (`kafka_dlt-*`) and Kafka Connect (`__connect.errors.*`), so one tool serves shops
// that run all three. Our values are UTF-8 text (readable in any console); Spring writes binary ints/longs.

export const DLQ_HEADERS = {
  originalTopic: 'grimos.dlq.original-topic',
  originalPartition: 'grimos.dlq.original-partition',
  originalOffset: 'grimos.dlq.original-offset',
  originalTimestamp: 'grimos.dlq.original-timestamp',
  consumerGroup: 'grimos.dlq.consumer-group',
  errorClass: 'grimos.dlq.error-class',
  errorMessage: 'grimos.dlq.error-message',
  errorStack: 'grimos.dlq.error-stack',
  attempts: 'grimos.dlq.attempts',
  firstFailureAt: 'grimos.dlq.first-failure-at',
  lastFailureAt: 'grimos.dlq.last-failure-at',
} as const

export const REPLAY_HEADERS = {
  /** `<dlq topic>/<partition>/<offset>` of the DLQ record a replay came from. */
  replayedFrom: 'grimos.replay.from',
  replayCount: 'grimos.replay.count',
  replayedAt: 'grimos.replay.at',
} as const

export const RETRY_HEADERS = {
  dueAt: 'grimos.retry.due-at',
  attempt: 'grimos.retry.attempt',
  firstFailureAt: 'grimos.retry.first-failure-at',
  originalTopic: 'grimos.retry.original-topic',
  originalPartition: 'grimos.retry.original-partition',
  originalOffset: 'grimos.retry.original-offset',
  lastError: 'grimos.retry.last-error',
} as const

export const TRACEPARENT_HEADER = 'traceparent'

export interface DeadLetterFailure {
  error: unknown
  attempts: number
  firstFailureAt: Date
  lastFailureAt: Date
}

export interface DeadLetterSource {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  headers: Map<string, Buffer>
}

/** Error class as operators filter on it: our stable code when there is one, else the JS class name. */
export function errorClassOf(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('GRIM_')) return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string' && name) return name
  }
  return 'Error'
}

const MAX_STACK_BYTES = 8 * 1024

/**
 * Header values that repeat from one dead letter to the next (topic, group, error class), encoded once: a poison
 * flood writes thousands a second. Bounded; read-only once made (producers only read header bytes).
 */
const repeatedValues = new Map<string, Buffer>()
const REPEATED_VALUES_KEPT = 512

function repeated(value: string): Buffer {
  let bytes = repeatedValues.get(value)
  if (!bytes) {
    if (repeatedValues.size >= REPEATED_VALUES_KEPT) repeatedValues.clear()
    bytes = Buffer.from(value)
    repeatedValues.set(value, bytes)
  }
  return bytes
}

/** The original headers, untouched, plus the provenance and failure headers of a dead-lettered record. */
export function buildDeadLetterHeaders(
  source: DeadLetterSource,
  consumerGroup: string,
  failure: DeadLetterFailure,
): Map<string, Buffer> {
  const error = failure.error instanceof Error ? failure.error : new Error(String(failure.error))
  const headers = new Map(source.headers)
  const firstFailureAt = Buffer.from(failure.firstFailureAt.toISOString())
  headers.set(DLQ_HEADERS.originalTopic, repeated(source.topic))
  headers.set(DLQ_HEADERS.originalPartition, repeated(String(source.partition)))
  headers.set(DLQ_HEADERS.originalOffset, Buffer.from(String(source.offset)))
  headers.set(DLQ_HEADERS.originalTimestamp, Buffer.from(String(source.timestamp)))
  headers.set(DLQ_HEADERS.consumerGroup, repeated(consumerGroup))
  headers.set(DLQ_HEADERS.errorClass, repeated(errorClassOf(failure.error)))
  headers.set(DLQ_HEADERS.errorMessage, Buffer.from(error.message))
  headers.set(DLQ_HEADERS.errorStack, Buffer.from((error.stack ?? '').slice(0, MAX_STACK_BYTES)))
  headers.set(DLQ_HEADERS.attempts, repeated(String(failure.attempts)))
  headers.set(DLQ_HEADERS.firstFailureAt, firstFailureAt)
  headers.set(
    DLQ_HEADERS.lastFailureAt,
    failure.lastFailureAt === failure.firstFailureAt
      ? firstFailureAt
      : Buffer.from(failure.lastFailureAt.toISOString()),
  )
  return headers
}

export type DeadLetterFormat = 'grimos' | 'spring' | 'connect' | 'unknown'

export interface DeadLetterInfo {
  format: DeadLetterFormat
  originalTopic?: string
  originalPartition?: number
  originalOffset?: bigint
  originalTimestamp?: bigint
  consumerGroup?: string
  errorClass?: string
  errorMessage?: string
  errorStack?: string
  attempts?: number
  firstFailureAt?: string
  lastFailureAt?: string
  replayCount: number
  replayedFrom?: string
  traceparent?: string
  /** Foreign extras worth showing (connector name, task id, stage...). */
  extra: Record<string, string>
}

const text = (value: Buffer | undefined) => value?.toString('utf8')

function integer(value: Buffer | undefined): bigint | undefined {
  if (!value || value.length === 0) return undefined
  const asText = value.toString('utf8')
  if (/^-?\d+$/.test(asText)) return BigInt(asText)
  // Spring Kafka writes partitions as 4-byte and offsets/timestamps as 8-byte big-endian binary.
  if (value.length === 4) return BigInt(value.readInt32BE(0))
  if (value.length === 8) return value.readBigInt64BE(0)
  return undefined
}

const toNumber = (value: bigint | undefined) => (value === undefined ? undefined : Number(value))

/** Reads provenance and failure details from any of the three DLQ header dialects. */
export function readDeadLetterInfo(headers: Map<string, Buffer>): DeadLetterInfo {
  const common = {
    replayCount: toNumber(integer(headers.get(REPLAY_HEADERS.replayCount))) ?? 0,
    replayedFrom: text(headers.get(REPLAY_HEADERS.replayedFrom)),
    traceparent: text(headers.get(TRACEPARENT_HEADER)),
  }
  if (headers.has(DLQ_HEADERS.originalTopic)) {
    return {
      format: 'grimos',
      originalTopic: text(headers.get(DLQ_HEADERS.originalTopic)),
      originalPartition: toNumber(integer(headers.get(DLQ_HEADERS.originalPartition))),
      originalOffset: integer(headers.get(DLQ_HEADERS.originalOffset)),
      originalTimestamp: integer(headers.get(DLQ_HEADERS.originalTimestamp)),
      consumerGroup: text(headers.get(DLQ_HEADERS.consumerGroup)),
      errorClass: text(headers.get(DLQ_HEADERS.errorClass)),
      errorMessage: text(headers.get(DLQ_HEADERS.errorMessage)),
      errorStack: text(headers.get(DLQ_HEADERS.errorStack)),
      attempts: toNumber(integer(headers.get(DLQ_HEADERS.attempts))),
      firstFailureAt: text(headers.get(DLQ_HEADERS.firstFailureAt)),
      lastFailureAt: text(headers.get(DLQ_HEADERS.lastFailureAt)),
      extra: {},
      ...common,
    }
  }
  if (headers.has('kafka_dlt-original-topic')) {
    const extra: Record<string, string> = {}
    const cause = text(headers.get('kafka_dlt-exception-cause-fqcn'))
    if (cause) extra.causeClass = cause
    return {
      format: 'spring',
      originalTopic: text(headers.get('kafka_dlt-original-topic')),
      originalPartition: toNumber(integer(headers.get('kafka_dlt-original-partition'))),
      originalOffset: integer(headers.get('kafka_dlt-original-offset')),
      originalTimestamp: integer(headers.get('kafka_dlt-original-timestamp')),
      consumerGroup: text(headers.get('kafka_dlt-original-consumer-group')),
      errorClass: text(headers.get('kafka_dlt-exception-fqcn')),
      errorMessage: text(headers.get('kafka_dlt-exception-message')),
      errorStack: text(headers.get('kafka_dlt-exception-stacktrace')),
      extra,
      ...common,
    }
  }
  if (headers.has('__connect.errors.topic')) {
    const extra: Record<string, string> = {}
    for (const [name, key] of [
      ['__connect.errors.connector.name', 'connector'],
      ['__connect.errors.task.id', 'task'],
      ['__connect.errors.stage', 'stage'],
      ['__connect.errors.class.name', 'stageClass'],
    ] as const) {
      const value = text(headers.get(name))
      if (value) extra[key] = value
    }
    return {
      format: 'connect',
      originalTopic: text(headers.get('__connect.errors.topic')),
      originalPartition: toNumber(integer(headers.get('__connect.errors.partition'))),
      originalOffset: integer(headers.get('__connect.errors.offset')),
      errorClass: text(headers.get('__connect.errors.exception.class.name')),
      errorMessage: text(headers.get('__connect.errors.exception.message')),
      errorStack: text(headers.get('__connect.errors.exception.stacktrace')),
      extra,
      ...common,
    }
  }
  return { format: 'unknown', extra: {}, ...common }
}

/** Header names a replay strips, so the replayed record looks like an original (plus replay provenance). */
export function isDeadLetterHeader(name: string): boolean {
  return (
    name.startsWith('grimos.dlq.') ||
    name.startsWith('grimos.retry.') ||
    name.startsWith('kafka_dlt-') ||
    name.startsWith('__connect.errors.')
  )
}
