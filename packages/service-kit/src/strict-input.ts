import { GrimError } from '@grimos/events'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { maxViolations, toViolations } from './error-handler.ts'
import { ServiceError } from './errors.ts'

// An unknown field is refused, never dropped: a misspelled filter (`errorClass` for `error_class`) that is
// silently removed turns "replay these" into "replay everything". Two halves enforce it for every route:
// - at registration, a body or querystring schema whose objects admit unknown keys is refused (the app does not
//   start), so a new route cannot forget `additionalProperties: false`;
// - at request time, a route that declares no body or no querystring refuses one that is sent anyway.
// The same request-time hook refuses text no store can keep (NUL, unpaired surrogates) anywhere in the input.

type Schema = Record<string, unknown>

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null

function isObjectSchema(schema: Schema): boolean {
  const type = schema.type
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isSchema(schema.properties)
}

/**
 * Paths (`body.address`) of the object schemas under `schema` that let unknown keys through. An object must say
 * `additionalProperties: false`, or describe its extra keys itself (a map: `patternProperties` or an
 * `additionalProperties` schema), which is a decision and not an accident.
 */
export function looseObjects(schema: unknown, path: string): string[] {
  if (!isSchema(schema)) return []
  const found: string[] = []
  if (isObjectSchema(schema)) {
    const extra = schema.additionalProperties
    const declared = extra === false || isSchema(extra) || isSchema(schema.patternProperties)
    if (!declared) found.push(path)
  }
  const properties = isSchema(schema.properties) ? schema.properties : {}
  for (const [name, child] of Object.entries(properties)) found.push(...looseObjects(child, `${path}.${name}`))
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const) {
    found.push(...looseObjects(schema[key], `${path}[${key}]`))
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    const branches = schema[key]
    if (!Array.isArray(branches)) continue
    for (const [i, branch] of branches.entries()) found.push(...looseObjects(branch, `${path}[${i}]`))
  }
  if (isSchema(schema.patternProperties)) {
    for (const child of Object.values(schema.patternProperties)) found.push(...looseObjects(child, `${path}[*]`))
  }
  return found
}

/** A route body schema is either one schema or one per content type (`{ content: { 'application/json': { schema } } }`). */
function bodySchemas(body: unknown): unknown[] {
  if (!isSchema(body) || !isSchema(body.content)) return [body]
  return Object.values(body.content).map((entry) => (isSchema(entry) ? entry.schema : undefined))
}

function checkRoute(route: RouteOptions): void {
  const schema = route.schema as Schema | undefined
  if (schema === undefined) return
  const loose = [
    ...bodySchemas(schema.body).flatMap((body) => looseObjects(body, 'body')),
    ...looseObjects(schema.querystring, 'querystring'),
  ]
  if (loose.length > 0) {
    const methods = [route.method].flat().join(',')
    throw new GrimError(
      'GRIM_CONFIG_INVALID',
      `route ${methods} ${route.url}: ${loose.join(', ')} must set additionalProperties: false (unknown fields would be dropped silently)`,
      { details: { route: route.url, paths: loose } },
    )
  }
}

function refuse(location: 'body' | 'querystring', fields: string[]): ServiceError {
  const details = toViolations(
    fields
      .slice(0, maxViolations)
      .map((field) => ({ keyword: 'additionalProperties', params: { additionalProperty: field } })),
    location,
  )
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''
  return new ServiceError(
    'VALIDATION_FAILED',
    400,
    `${details[0]?.field ?? location} is not allowed [additionalProperties]${more}`,
    { details },
  )
}

/** The keys of a body sent to a route that takes none; `(root)` when it is not an object at all. */
function unexpectedBody(body: unknown): string[] {
  if (body === undefined || body === null) return []
  if (typeof body === 'object' && !Array.isArray(body)) return Object.keys(body)
  if (typeof body === 'string' && body === '') return []
  return ['']
}

const storable = (text: string) => text.isWellFormed() && !text.includes('\u0000')

/**
 * Dotted paths of the strings (keys included) in `value` that no grimOS store can keep: NUL, which PostgreSQL
 * text and jsonb refuse (a 500 from the database), and unpaired UTF-16 surrogates, which jsonb refuses and UTF-8
 * (Avro, Kafka) silently turns into U+FFFD. Iterative: a body can nest thousands of levels within the limit.
 */
export function unstorableStrings(value: unknown, limit = maxViolations): string[] {
  const found: string[] = []
  const pending: Array<[unknown, string[]]> = [[value, []]]
  while (pending.length > 0 && found.length < limit) {
    const [current, path] = pending.pop() as [unknown, string[]]
    if (typeof current === 'string') {
      if (!storable(current)) found.push(path.join('.'))
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (!storable(key)) found.push([...path, key].join('.'))
        else pending.push([child, [...path, key]])
      }
    }
  }
  return found
}

function refuseText(location: 'body' | 'querystring', fields: string[]): ServiceError {
  const message = 'must not contain NUL characters or unpaired surrogates'
  const details = fields.map((field) => ({ field: field || '(root)', rule: 'text', message, location }))
  return new ServiceError('VALIDATION_FAILED', 400, `${details[0]?.field} ${message} [text]`, { details })
}

async function refuseUndeclaredInput(request: FastifyRequest): Promise<void> {
  // No route matched: that is a 404, whatever was sent.
  if (request.is404) return
  const schema = request.routeOptions.schema
  if (schema?.querystring === undefined) {
    const keys = Object.keys((request.query as object | undefined) ?? {})
    if (keys.length > 0) throw refuse('querystring', keys)
  }
  if (schema?.body === undefined) {
    const keys = unexpectedBody(request.body)
    if (keys.length > 0) throw refuse('body', keys)
  }
  const badQuery = unstorableStrings(request.query)
  if (badQuery.length > 0) throw refuseText('querystring', badQuery)
  const badBody = unstorableStrings(request.body)
  if (badBody.length > 0) throw refuseText('body', badBody)
}

/** Installs both checks on `app`; routes of plugins registered later (any prefix) inherit them. */
export function enforceStrictInput(app: FastifyInstance): void {
  app.addHook('onRoute', checkRoute)
  app.addHook('preValidation', refuseUndeclaredInput)
}
