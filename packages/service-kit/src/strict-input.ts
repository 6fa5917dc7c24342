import { GrimError } from '@grimos/events'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { maxViolations, toViolations } from './error-handler.ts'
import { type ServiceError, validationFailed } from './errors.ts'
import { refuseUnusableValues } from './input-values.ts'

// An unknown field is refused, never dropped: a misspelled filter (`errorClass` for `error_class`) that is
// silently removed turns "replay these" into "replay everything". Two halves enforce it for every route:
// - at registration, a body or querystring schema whose objects admit unknown keys is refused (the app does not
//   start), so a new route cannot forget `additionalProperties: false`;
// - at request time, a route that declares no body or no querystring refuses one that is sent anyway.
// The same request-time hook refuses values no store can keep (see input-values.ts).

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
  const unknown = fields.map((field) => ({ keyword: 'additionalProperties', params: { additionalProperty: field } }))
  const error = validationFailed(toViolations(unknown, location))
  // The answer lists the first ones only, like schema validation does.
  if (Array.isArray(error.details)) error.details.splice(maxViolations)
  return error
}

/** The keys of a body sent to a route that takes none; `(root)` when it is not an object at all. */
function unexpectedBody(body: unknown): string[] {
  if (body === undefined || body === null) return []
  if (typeof body === 'object' && !Array.isArray(body)) return Object.keys(body)
  if (typeof body === 'string' && body === '') return []
  return ['']
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
  refuseUnusableValues(request)
}

/** Installs both checks on `app`; routes of plugins registered later (any prefix) inherit them. */
export function enforceStrictInput(app: FastifyInstance): void {
  app.addHook('onRoute', checkRoute)
  app.addHook('preValidation', refuseUndeclaredInput)
}
