// The one classifier of the Kafka client's failures, by type: the client's ProtocolError carries the broker's error
// id (`apiId`) and whether a retry can help (`canRetry`); AuthenticationError, NetworkError and TimeoutError name
// themselves. Nothing here reads message text. Each failure maps onto one GRIM_* code of the catalogue.
import { AuthenticationError, type GenericError, MultipleErrors, ProtocolError } from '@platformatic/kafka'
import { GrimError, messageOf } from '../errors.ts'

/** What a Kafka failure says about the operation, as the rest of the library acts on it. */
export type KafkaFault =
  /** The credentials were refused (SASL): no retry will help until they change. */
  | 'authentication'
  /** An ACL denied the operation on a topic, group, transactional id or the cluster. */
  | 'authorization'
  /** The broker refused this record itself (size, bytes): other records may go through. */
  | 'record'
  /** The topic to create exists already. */
  | 'topic-exists'
  /** The request names a topic that cannot exist (an invalid name). */
  | 'refused'
  /** Unreachable, timed out, a leader moving, a coordinator loading: worth retrying. */
  | 'unavailable'

const AUTHORIZATION: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: 'topic',
  GROUP_AUTHORIZATION_FAILED: 'group',
  CLUSTER_AUTHORIZATION_FAILED: 'cluster',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'transactional id',
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'delegation token',
}

const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE'])
// Other refusals keep mapping to GRIM_KAFKA_UNAVAILABLE, as they always did: a retry then meets the same answer and
// surfaces it, which is safer than guessing that a refusal is final.
const SETUP_REFUSALS = new Set(['INVALID_TOPIC_EXCEPTION'])

/** How deep nested errors (MultipleErrors, causes) are searched: the client wraps a broker answer two or three deep. */
const MAX_DEPTH = 6

/** Every error inside `error`: itself, its `errors` (MultipleErrors) and its causes, depth-first. */
function* errorsWithin(error: unknown, depth = 0): Generator<unknown> {
  if (depth > MAX_DEPTH || error === null || error === undefined) return
  yield error
  if (error instanceof MultipleErrors || error instanceof AggregateError)
    for (const nested of error.errors) yield* errorsWithin(nested, depth + 1)
  if (error instanceof Error && error.cause !== undefined) yield* errorsWithin(error.cause, depth + 1)
}

/** The broker's error ids (e.g. TOPIC_AUTHORIZATION_FAILED) found anywhere in `error`. */
export function protocolErrorIds(error: unknown): string[] {
  const ids: string[] = []
  for (const found of errorsWithin(error))
    if (found instanceof ProtocolError) ids.push(String((found as GenericError & { apiId?: string }).apiId))
  return ids
}

export function classifyKafkaFailure(error: unknown): { fault: KafkaFault; apiId?: string } {
  for (const found of errorsWithin(error)) if (found instanceof AuthenticationError) return { fault: 'authentication' }
  for (const id of protocolErrorIds(error)) {
    if (id === 'SASL_AUTHENTICATION_FAILED') return { fault: 'authentication', apiId: id }
    if (id in AUTHORIZATION) return { fault: 'authorization', apiId: id }
    if (RECORD_REFUSALS.has(id)) return { fault: 'record', apiId: id }
    if (SETUP_REFUSALS.has(id)) return { fault: 'refused', apiId: id }
    if (id === 'TOPIC_ALREADY_EXISTS') return { fault: 'topic-exists', apiId: id }
  }
  return { fault: 'unavailable' }
}

export interface KafkaErrorContext {
  /** Who the client authenticates as (never the secret). */
  principal?: string
}

/** Wraps a client error into the catalogue; callers decide about retrying by `retryable`. */
export function kafkaError(action: string, error: unknown, context: KafkaErrorContext = {}): GrimError {
  const message = messageOf(error)
  const nested = error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join('; ') : ''
  const { fault, apiId } = classifyKafkaFailure(error)
  // The broker's id (MESSAGE_TOO_LARGE, …) is what an operator searches for; the client's text does not carry it.
  const text = `${action}: ${message}${nested ? ` (${nested})` : ''}${apiId ? ` [${apiId}]` : ''}`
  const details = { kafkaFault: fault, ...(apiId && { kafkaError: apiId }) }
  switch (fault) {
    case 'authentication':
      return new GrimError(
        'GRIM_KAFKA_AUTH_FAILED',
        `${action}: the brokers refused the credentials of ${context.principal ?? 'this client'} (check KAFKA_SASL_USERNAME and its password)`,
        { cause: error, details: { ...details, principal: context.principal } },
      )
    case 'authorization': {
      const resource = AUTHORIZATION[apiId ?? ''] ?? 'resource'
      return new GrimError(
        'GRIM_KAFKA_NOT_AUTHORIZED',
        `${action}: ${context.principal ?? 'this client'} is not authorized on the ${resource} (${apiId}); an ACL must grant it`,
        { cause: error, details: { ...details, resource, operation: action, principal: context.principal } },
      )
    }
    case 'record':
    case 'refused':
      return new GrimError('GRIM_PUBLISH_FAILED', text, { cause: error, details })
    default:
      return new GrimError('GRIM_KAFKA_UNAVAILABLE', text, { cause: error, details })
  }
}
