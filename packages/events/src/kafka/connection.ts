// Connection settings and error mapping shared by every client the wrapper creates.
import { GrimError } from '../errors.ts'
import { resolveOptions } from '../options.ts'
import { ConnectionOptionsSchema, connectionDefaults } from './options.ts'

export interface ConnectionOptions {
  bootstrapBrokers?: string[]
  clientId?: string
  requestTimeoutMs?: number
}

export function connection(options: ConnectionOptions | undefined) {
  const resolved = resolveOptions('kafka connection', ConnectionOptionsSchema, connectionDefaults, options)
  return {
    clientId: resolved.clientId,
    bootstrapBrokers: resolved.bootstrapBrokers,
    timeout: resolved.requestTimeoutMs,
    // The client's own retries cover leader moves and metadata refreshes; our callers add backoff on top.
    retries: 3,
  }
}

/** Wraps a client error into our catalogue: the caller decides about retrying by `retryable`. */
export function kafkaError(action: string, error: unknown): GrimError {
  const message = error instanceof Error ? error.message : String(error)
  const nested = (error as { errors?: Error[] })?.errors?.map((e) => e.message).join('; ')
  const permanent = /TOPIC_AUTHORIZATION|INVALID_TOPIC|RECORD_LIST_TOO_LARGE|MESSAGE_TOO_LARGE|INVALID_RECORD/i.test(
    `${message} ${nested ?? ''}`,
  )
  return new GrimError(
    permanent ? 'GRIM_PUBLISH_FAILED' : 'GRIM_KAFKA_UNAVAILABLE',
    `${action}: ${message}${nested ? ` (${nested})` : ''}`,
    {
      cause: error,
    },
  )
}
