// The catalogue of every error @grimos/events raises. Codes are stable: services, dashboards and alerts
// match on them. `retryable` says whether trying the same thing again later can succeed; `httpStatus` is
// the one place where a library error maps to an HTTP answer. docs/errors.md lists the same codes (a test
// keeps the two in step).

interface ErrorDefinition {
  retryable: boolean
  httpStatus: number
  summary: string
}

export const errorCatalogue = {
  GRIM_CONFIG_INVALID: { retryable: false, httpStatus: 500, summary: 'Options failed validation at construction.' },
  GRIM_INPUT_INVALID: {
    retryable: false,
    httpStatus: 400,
    summary: "A caller's argument is malformed (a cursor, a filter's date); names the argument.",
  },
  GRIM_EVENT_INVALID: {
    retryable: false,
    httpStatus: 400,
    summary: 'An event broke the Avro schema or a business rule; names the field and the rule.',
  },
  GRIM_EVENT_TYPE_UNKNOWN: { retryable: false, httpStatus: 400, summary: 'The event type is not in the catalog.' },
  GRIM_SCHEMA_INCOMPATIBLE: {
    retryable: false,
    httpStatus: 409,
    summary: 'The registry refused a schema as incompatible with the versions before it.',
  },
  GRIM_SCHEMA_NOT_FOUND: { retryable: false, httpStatus: 404, summary: 'The registry has no schema with that id.' },
  GRIM_REGISTRY_UNAVAILABLE: {
    retryable: true,
    httpStatus: 503,
    summary: 'The schema registry could not be reached or answered with a server error.',
  },
  GRIM_DECODE_FAILED: {
    retryable: false,
    httpStatus: 422,
    summary: 'Bytes are not a valid Confluent-framed Avro record for a known schema.',
  },
  GRIM_KAFKA_UNAVAILABLE: {
    retryable: true,
    httpStatus: 503,
    summary: 'The broker could not be reached or refused for now.',
  },
  GRIM_KAFKA_AUTH_FAILED: {
    retryable: false,
    httpStatus: 503,
    summary: 'The brokers refused the credentials (SASL); names the principal, never the password.',
  },
  GRIM_KAFKA_NOT_AUTHORIZED: {
    retryable: false,
    httpStatus: 503,
    summary: 'An ACL denied the operation; names the principal, the resource and the operation.',
  },
  GRIM_PUBLISH_FAILED: {
    retryable: false,
    httpStatus: 502,
    summary: 'The broker refused the event permanently, or every retry until the deadline failed.',
  },
  GRIM_SPILL_FAILED: {
    retryable: false,
    httpStatus: 507,
    summary:
      'Background events failed every retry and the spill file could not take them (disk full, no permission); the callbacks hold them.',
  },
  GRIM_QUEUE_FULL: {
    retryable: true,
    httpStatus: 503,
    summary: 'The background publishing queue is at capacity and its policy is to reject.',
  },
  GRIM_CLOSED: {
    retryable: false,
    httpStatus: 503,
    summary: 'The publisher or consumer is shut down or shutting down.',
  },
  GRIM_OUTBOX_FAILED: {
    retryable: true,
    httpStatus: 500,
    summary: 'Writing to or relaying from the outbox table failed.',
  },
  GRIM_DATABASE_FAILED: {
    retryable: true,
    httpStatus: 503,
    summary: 'The database could not be opened or reached, or a migration failed.',
  },
  GRIM_DATABASE_UNAVAILABLE: {
    retryable: true,
    httpStatus: 503,
    summary: 'The database connection was refused or lost, or the server is shutting down or starting up.',
  },
  GRIM_HANDLER_FAILED: { retryable: true, httpStatus: 500, summary: 'An event handler reported or threw a failure.' },
  GRIM_HANDLER_MISSING: { retryable: false, httpStatus: 500, summary: 'No handler is registered for the event type.' },
  GRIM_DLQ_RECORD_NOT_FOUND: {
    retryable: false,
    httpStatus: 404,
    summary: 'No dead-lettered record at that position.',
  },
  GRIM_REPLAY_LIMIT: {
    retryable: false,
    httpStatus: 409,
    summary: 'The record was replayed as often as allowed; replaying again could loop forever.',
  },
  GRIM_REPLAY_REFUSED: {
    retryable: false,
    httpStatus: 409,
    summary:
      'The dead-lettered record was already replayed or discarded (pass force to act again), or its original topic is unknown.',
  },
  GRIM_SHUTDOWN_TIMEOUT: {
    retryable: false,
    httpStatus: 503,
    summary: 'In-flight work did not finish within the shutdown timeout.',
  },
} as const satisfies Record<string, ErrorDefinition>

export type GrimErrorCode = keyof typeof errorCatalogue

export interface GrimErrorOptions {
  cause?: unknown
  /** Overrides the catalogue's flag when one instance knows better (e.g. a handler's own verdict). */
  retryable?: boolean
  details?: Record<string, unknown>
}

export class GrimError extends Error {
  override readonly name: string = 'GrimError'
  readonly code: GrimErrorCode
  readonly retryable: boolean
  readonly httpStatus: number
  readonly details: Record<string, unknown>

  constructor(code: GrimErrorCode, message: string, options: GrimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    const definition = errorCatalogue[code]
    this.code = code
    this.retryable = options.retryable ?? definition.retryable
    this.httpStatus = definition.httpStatus
    this.details = options.details ?? {}
  }

  toJSON() {
    return { code: this.code, message: this.message, retryable: this.retryable, ...this.details }
  }
}

/** A rule broken by one field. `field` is a dotted path such as `data.email`. */
export interface Violation {
  field: string
  rule: string
  message: string
}

export class EventValidationError extends GrimError {
  override readonly name = 'EventValidationError'
  readonly violations: Violation[]

  constructor(violations: Violation[], eventType?: string) {
    const first = violations[0]
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''
    const what = eventType ? `${eventType} event` : 'event'
    super(
      'GRIM_EVENT_INVALID',
      `invalid ${what}: ${first?.field ?? '?'} ${first?.message ?? ''} [${first?.rule ?? '?'}]${more}`,
      {
        details: { violations },
      },
    )
    this.violations = violations
  }
}

export function isGrimError(error: unknown): error is GrimError {
  return error instanceof GrimError
}

/**
 * Runs `make` with stack capture off: for errors about the INPUT, not the code (a hostile record that cannot be
 * decoded), whose frames would only ever name the decoder. Capturing and formatting them (the DLQ keeps the stack
 * as a header) cost more than the rest of a poison record's way to the DLQ; the message and details say what was
 * wrong. Synchronous, so no other code sees the changed limit.
 */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** `error` itself when it is ours; anything else wrapped (as its cause) under `code`. */
export function asGrimError(error: unknown, code: GrimErrorCode): GrimError {
  if (isGrimError(error)) return error
  return new GrimError(code, messageOf(error), { cause: error })
}

/** The message of anything thrown: an Error's own, else the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Whether to try again: a GrimError says so itself; anything unknown is assumed transient. */
export function isRetryable(error: unknown): boolean {
  return isGrimError(error) ? error.retryable : true
}
