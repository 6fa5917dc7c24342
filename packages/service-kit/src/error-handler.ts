import { isGrimError } from '@grimos/events'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorBody, type FieldViolation, isServiceError } from './errors.ts'

interface Rendered {
  statusCode: number
  code: string
  message: string
  details?: unknown[]
  headers?: Record<string, string>
}

// Fastify's own errors, renamed to codes a client can rely on across services and Fastify versions.
const fastifyCodes: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'BAD_JSON', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'BAD_JSON', message: 'The request body is empty but JSON was declared' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_CONTENT_LENGTH' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
}

const codesByStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
}

interface AjvLikeError {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

// A hostile body can break thousands of rules at once (every key unknown): the answer lists the first ones only.
export const maxViolations = 20
// Field names are echoed back and logged; a 16 KiB key is shown by its start.
const maxFieldLength = 128

const shortened = (field: string) => (field.length > maxFieldLength ? `${field.slice(0, maxFieldLength)}…` : field)

/** Ajv errors to one violation per field and rule, with the field as a dotted path (`address.city`). */
export function toViolations(errors: readonly AjvLikeError[], location: string | undefined): FieldViolation[] {
  return errors.map((error) => {
    // JSON Pointer escapes: a key holding '/' or '~' is one field, not a path.
    const path = (error.instancePath ?? '')
      .split('/')
      .filter(Boolean)
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    const missing = error.params?.missingProperty
    const extra = error.params?.additionalProperty
    if (error.keyword === 'required' && typeof missing === 'string') path.push(missing)
    if (error.keyword === 'additionalProperties' && typeof extra === 'string') path.push(extra)
    const field = shortened(path.join('.')) || '(root)'
    const rule = error.keyword ?? 'invalid'
    const message =
      rule === 'required' ? 'is required' : rule === 'additionalProperties' ? 'is not allowed' : (error.message ?? '')
    return location === undefined ? { field, rule, message } : { field, rule, message, location }
  })
}

function render(error: unknown): Rendered {
  if (isServiceError(error)) {
    return {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
      details: error.details,
      headers: error.headers,
    }
  }
  if (isGrimError(error)) {
    // Library errors at 5xx describe internals (tables, brokers); the caller gets the code, the log the rest.
    const visible = error.httpStatus < 500
    const violations = error.details.violations
    return {
      statusCode: error.httpStatus,
      code: error.code,
      message: visible ? error.message : 'The service could not complete the request',
      details: visible && Array.isArray(violations) ? violations : undefined,
    }
  }
  const fastifyError = error as Partial<FastifyError>
  if (Array.isArray(fastifyError.validation)) {
    const details = toViolations(fastifyError.validation, fastifyError.validationContext)
    const first = details[0]
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : ''
    return {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: first ? `${first.field} ${first.message} [${first.rule}]${more}` : 'The request is invalid',
      details: details.slice(0, maxViolations),
    }
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = fastifyError.code === undefined ? undefined : fastifyCodes[fastifyError.code]
    return {
      statusCode: status,
      code: known?.code ?? codesByStatus[status] ?? 'BAD_REQUEST',
      message: known?.message ?? fastifyError.message ?? 'The request was refused',
    }
  }
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'The service could not complete the request' }
}

export function errorBody(rendered: Omit<Rendered, 'headers'>, requestId: string): ErrorBody {
  const body: ErrorBody = {
    error: { code: rendered.code, message: rendered.message, statusCode: rendered.statusCode, requestId },
  }
  if (rendered.details !== undefined && rendered.details.length > 0) body.error.details = rendered.details
  return body
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const rendered = render(error)
  if (rendered.statusCode >= 500) {
    request.log.error({ err: error }, 'request failed')
  } else {
    request.log.info({ code: rendered.code, statusCode: rendered.statusCode }, rendered.message)
  }
  if (rendered.headers) reply.headers(rendered.headers)
  void reply.code(rendered.statusCode).type('application/json; charset=utf-8').send(errorBody(rendered, request.id))
}

/** Every error, Fastify's own and unknown ones included, answers in the one error shape. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError)
  app.setNotFoundHandler((request, reply) => {
    handleError(
      { statusCode: 404, code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` },
      request,
      reply,
    )
  })
}
