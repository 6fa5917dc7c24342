import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino'

/** Keys whose values are secrets wherever they appear in a logged object (up to three levels deep). */
export const secretKeys = [
  'password',
  'new_password',
  'current_password',
  'password_hash',
  'token',
  'refresh_token',
  'access_token',
  'secret',
]

// pino's redaction matches fixed depths only (no recursive wildcard), so each key is listed at each depth.
export const redactPaths = [
  // Credentials in headers: the request serializer logs them under req.headers, a handler that logs
  // `{ headers: request.headers }` puts them at the top, and a nested object (an upstream call's request or
  // response) one level down. pino matches fixed depths, so each place is listed.
  ...['authorization', 'cookie', '["set-cookie"]', '["x-api-key"]'].flatMap((header) => [
    `headers.${header}`,
    `*.headers.${header}`,
  ]),
  // Database drivers attach the statement's bound values to their errors (PGlite: params, postgres: parameters).
  ...['params', 'parameters', 'args'].flatMap((key) => [`err.${key}`, `err.cause.${key}`, `error.${key}`]),
  ...secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
]

export interface ServiceLoggerOptions {
  level?: LoggerOptions['level']
  /** Where lines go; stdout when absent. Tests pass a stream to inspect what was logged. */
  stream?: DestinationStream
  /** More paths to redact, in pino's path syntax. */
  redact?: string[]
}

export function createServiceLogger(name: string, options: ServiceLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name,
    level: options.level ?? 'info',
    redact: { paths: [...redactPaths, ...(options.redact ?? [])], censor: '[REDACTED]' },
  }
  return options.stream ? pino(config, options.stream) : pino(config)
}
