import { Type } from 'typebox'

/** One rule broken by one input field; the same shape as @grimos/events' Violation, plus where the field was. */
export interface FieldViolation {
  field: string
  rule: string
  message: string
  location?: string
}

export interface ServiceErrorOptions {
  cause?: unknown
  details?: FieldViolation[] | Record<string, unknown>[]
  /** Extra response headers, e.g. WWW-Authenticate on a 401. */
  headers?: Record<string, string>
}

/**
 * An error a service means to show its caller: a stable code, an HTTP status and a message. Each service keeps
 * its own catalogue of codes (e.g. AUTH_EMAIL_TAKEN) and throws these; the shared error handler renders them.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  readonly code: string
  readonly statusCode: number
  readonly details: ServiceErrorOptions['details']
  readonly headers: Record<string, string>

  constructor(code: string, statusCode: number, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.statusCode = statusCode
    this.details = options.details
    this.headers = options.headers ?? {}
  }
}

/**
 * The 400 a route throws for input its schema cannot express (a cursor that does not decode, a date-time that
 * names no instant): the same `VALIDATION_FAILED` answer as schema validation, naming the field.
 */
export function validationFailed(details: FieldViolation[]): ServiceError {
  const first = details[0]
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : ''
  const message = first ? `${first.field} ${first.message} [${first.rule}]${more}` : 'The request is invalid'
  return new ServiceError('VALIDATION_FAILED', 400, message, { details })
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError
}

/** The one error body every grimOS service answers with; use it in route `response` schemas for OpenAPI. */
export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ['VALIDATION_FAILED'] }),
      message: Type.String(),
      statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
      requestId: Type.String(),
      details: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    }),
  },
  { description: 'The error shape shared by every grimOS service' },
)

export interface ErrorBody {
  error: {
    code: string
    message: string
    statusCode: number
    requestId: string
    details?: unknown[]
  }
}
