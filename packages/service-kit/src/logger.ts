import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino'

/** Keys whose values are secrets wherever they appear in a logged object (up to three levels deep). */
export const secretKeys = [
  'password',
  'new_password',
  'current_password',
  'password_hash',
  'passwordHash',
  'token',
  'refresh_token',
  'access_token',
  'refreshToken',
  'accessToken',
  'secret',
  'jwtSecret',
  'operatorToken',
  // Header names: a headers object logged anywhere (not only req.headers) keeps its credentials out.
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-api-key"]',
]

/** `key` at the top level, or under `prefix`; bracketed keys (header names with dashes) join without a dot. */
const under = (prefix: string, key: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`)

// pino's redaction matches fixed depths only (no recursive wildcard), so each key is listed at each depth.
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  // Database drivers attach the statement's bound values to their errors (PGlite: params, postgres: parameters),
  // and PostgreSQL's detail repeats the conflicting key ("Key (lower(email))=(ada@example.com) already exists").
  ...['params', 'parameters', 'args', 'detail'].flatMap((key) => [`err.${key}`, `err.cause.${key}`, `error.${key}`]),
  ...secretKeys.flatMap((key) => [
    key.startsWith('[') ? key.slice(2, -2) : key,
    under('*', key),
    under('*.*', key),
    under('*.*.*', key),
  ]),
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
