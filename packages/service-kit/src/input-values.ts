import type { FastifyRequest } from 'fastify'
import { maxViolations } from './error-handler.ts'
import type { FieldViolation } from './errors.ts'
import { validationFailed } from './errors.ts'

// Values a schema lets through but no grimOS store can keep, refused as a 400 naming the field before the
// handler runs (found by the HTTP fuzz; each was a 500 or a silent change):
// - NUL in a string: PostgreSQL text and jsonb refuse it;
// - an unpaired UTF-16 surrogate: jsonb refuses it, UTF-8 (Avro, Kafka, text columns) turns it into U+FFFD;
// - a number JSON cannot hold (`1e999` parses as Infinity): PostgreSQL and the library refuse it;
// - a querystring or path number that is not plain decimal: ajv's coercion turns '1e999' into Infinity and then skips
//   minimum/maximum (ajv 8.20), and takes '0x10' or ' 5' as numbers.

type Location = 'body' | 'querystring' | 'params'

const textMessage = 'must not contain NUL characters or unpaired surrogates'
const storableText = (text: string) => text.isWellFormed() && !text.includes('\u0000')
const decimal = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/

/**
 * The unusable values in `value` (keys included), as violations. Iterative: a body can nest thousands of levels
 * within the body limit.
 */
export function unusableValues(value: unknown, location: Location, limit = maxViolations): FieldViolation[] {
  const found: FieldViolation[] = []
  const add = (path: string[], rule: string, message: string) =>
    found.push({ field: path.join('.') || '(root)', rule, message, location })
  const pending: Array<[unknown, string[]]> = [[value, []]]
  while (pending.length > 0 && found.length < limit) {
    const [current, path] = pending.pop() as [unknown, string[]]
    if (typeof current === 'string') {
      if (!storableText(current)) add(path, 'text', textMessage)
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) add(path, 'finite', 'must be a finite number')
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (!storableText(key)) add([...path, key], 'text', textMessage)
        else pending.push([child, [...path, key]])
      }
    }
  }
  return found
}

const numericTypes = new Set(['integer', 'number'])

/** Querystring or path values the schema declares as numbers but that are not plain decimals. */
export function malformedNumbers(schema: unknown, query: unknown, location: Location): FieldViolation[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties
  if (properties === undefined || typeof query !== 'object' || query === null) return []
  const found: FieldViolation[] = []
  for (const [key, raw] of Object.entries(query)) {
    const types = [properties[key]?.type].flat()
    if (!types.some((type) => numericTypes.has(type as string)) || types.includes('string')) continue
    if ([raw].flat().some((item) => typeof item !== 'string' || !decimal.test(item))) {
      found.push({ field: key, rule: 'type', message: 'must be a plain decimal number', location })
    }
  }
  return found
}

/** Throws the 400 for the first unusable values of the request's query, params and body. */
export function refuseUnusableValues(request: FastifyRequest): void {
  const violations = [
    ...malformedNumbers(request.routeOptions.schema?.querystring, request.query, 'querystring'),
    ...malformedNumbers(request.routeOptions.schema?.params, request.params, 'params'),
    ...unusableValues(request.query, 'querystring'),
    ...unusableValues(request.params, 'params'),
    ...unusableValues(request.body, 'body'),
  ]
  if (violations.length > 0) throw validationFailed(violations.slice(0, maxViolations))
}
