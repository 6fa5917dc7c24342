// The only module that touches @kafkajs/confluent-schema-registry. It speaks the Confluent REST API, which
// Apicurio serves under /apis/ccompat/v7; the two calls the client lacks (per-subject config, compatibility
// test) go over fetch to the same API. Every failure leaves here as a GrimError from the catalogue.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import type avro from 'avsc'
import { type AvroRecordSchema, avroLogicalTypes } from '../catalog/index.ts'
import { GrimError, messageOf } from '../errors.ts'
import { type OptionsInput, resolveOptions } from '../options.ts'
import { agentFor, authorizationHeader, httpCall } from './http.ts'
import { type CompatibilityLevel, RegistryOptionsSchema, registryDefaults, registryEnvironment } from './options.ts'

export type RegistryOptions = OptionsInput<typeof RegistryOptionsSchema>

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up/i

/** An HTTP answer other than 2xx from our own fetch calls, shaped like the client library's ResponseError. */
class RegistryHttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export class SchemaRegistryClient {
  readonly url: string
  readonly #client: SchemaRegistry
  readonly #timeoutMs: number
  readonly #headers: Record<string, string>
  readonly #agent: ReturnType<typeof agentFor>

  constructor(options?: RegistryOptions) {
    const resolved = resolveOptions(
      'schema registry',
      RegistryOptionsSchema,
      registryDefaults,
      options,
      registryEnvironment(),
    )
    this.url = resolved.registryUrl.replace(/\/+$/, '')
    this.#timeoutMs = resolved.registryTimeoutMs
    this.#agent = agentFor(this.url, resolved.registryCa)
    const authorization = authorizationHeader(resolved.registryAuth)
    this.#headers = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, ...(authorization && { authorization }) }
    // The client library's own requests get the same credentials and CA.
    const withAuthorization = () => ({
      request: (request: { enhance(change: { headers: Record<string, string> }): unknown }) =>
        authorization ? request.enhance({ headers: { authorization } }) : request,
    })
    this.#client = new SchemaRegistry(
      {
        host: this.url,
        retry: { retries: resolved.registryRetries, maxRetryTimeInSecs: 5 },
        agent: this.#agent,
        middlewares: [withAuthorization as never],
      },
      // So schemas fetched by id keep their logicalType when exported back to JSON.
      { [SchemaType.AVRO]: { logicalTypes: avroLogicalTypes } },
    )
  }

  /**
   * Registers `schema` under `subject` (idempotent: the same schema gets the same id) after setting the
   * subject's compatibility, so the registry judges the new version by our rule and not a global default.
   */
  async register(subject: string, schema: AvroRecordSchema, compatibility: CompatibilityLevel): Promise<number> {
    await this.setCompatibility(subject, compatibility)
    try {
      const { id } = await this.#client.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: compatibility as never, updateConfig: false },
      )
      return id
    } catch (error) {
      throw registryError(`registering a schema under subject ${subject}`, error, { subject, compatibility })
    }
  }

  /** The id of `schema` if it is already registered under `subject` (GRIM_SCHEMA_NOT_FOUND if not). */
  async lookup(subject: string, schema: AvroRecordSchema): Promise<number> {
    try {
      return await this.#client.getRegistryIdBySchema(subject, {
        type: SchemaType.AVRO,
        schema: JSON.stringify(schema),
      })
    } catch (error) {
      // The client rewraps this 404 into an error without a status; its message is all that is left.
      const status = (error as { status?: number }).status ?? (/not found/i.test(String(error)) ? 404 : undefined)
      throw registryError(`looking up the schema of subject ${subject}`, Object.assign(error as object, { status }), {
        subject,
      })
    }
  }

  /** The Avro schema (JSON) registered with this id. */
  async schemaById(id: number): Promise<object> {
    try {
      const type = (await this.#client.getSchema(id)) as unknown as avro.Type
      return type.schema({ exportAttrs: true }) as object
    } catch (error) {
      throw registryError(`fetching schema id ${id}`, error, { schemaId: id })
    }
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.#http('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level }, { subject })
  }

  /** Whether the registry would accept `schema` as the next version of `subject` (true for a new subject). */
  async testCompatibility(subject: string, schema: AvroRecordSchema): Promise<boolean> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`
    try {
      const answer = (await this.#http('POST', path, { schema: JSON.stringify(schema) }, { subject })) as {
        is_compatible?: boolean
      }
      return answer.is_compatible === true
    } catch (error) {
      if ((error as GrimError).code === 'GRIM_SCHEMA_NOT_FOUND') return true
      throw error
    }
  }

  /** Every subject the registry holds (bounded by the caller: a registry is operator-sized, not user-sized). */
  async subjects(): Promise<string[]> {
    return strings(await this.#http('GET', '/subjects', undefined, {}), 'subjects')
  }

  async versions(subject: string): Promise<number[]> {
    const answer = await this.#http('GET', `/subjects/${encodeURIComponent(subject)}/versions`, undefined, { subject })
    return Array.isArray(answer) ? answer.filter((v): v is number => Number.isInteger(v)) : []
  }

  /** One version of a subject, its schema parsed from the registry's JSON text. */
  async schemaVersion(subject: string, version: number | 'latest'): Promise<RegisteredVersion> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions/${version}`
    const answer = (await this.#http('GET', path, undefined, { subject })) as Partial<RegisteredVersion> & {
      schema?: unknown
    }
    return {
      subject,
      version: Number(answer.version),
      id: Number(answer.id),
      schema: typeof answer.schema === 'string' ? (JSON.parse(answer.schema) as unknown) : answer.schema,
    }
  }

  /** Where schema `id` is registered (subject and version), for showing a decoded record's version. */
  async subjectVersionsOfId(id: number): Promise<{ subject: string; version: number }[]> {
    const answer = await this.#http('GET', `/schemas/ids/${id}/versions`, undefined, { schemaId: id })
    return Array.isArray(answer) ? (answer as { subject: string; version: number }[]) : []
  }

  /** The subject's compatibility level (the global one when the subject sets none); no subject: the global. */
  async compatibility(subject?: string): Promise<string> {
    const path = subject ? `/config/${encodeURIComponent(subject)}?defaultToGlobal=true` : '/config'
    const answer = (await this.#http('GET', path, undefined, { subject })) as {
      compatibilityLevel?: string
      compatibility?: string
    }
    return answer.compatibilityLevel ?? answer.compatibility ?? 'UNKNOWN'
  }

  /** Whether `schemaText` could be registered as the next version of `subject`, with the registry's reasons. */
  async checkCandidate(subject: string, schemaText: string): Promise<{ compatible: boolean; messages: string[] }> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`
    try {
      const answer = (await this.#http('POST', path, { schema: schemaText }, { subject })) as {
        is_compatible?: boolean
        messages?: unknown
      }
      const messages = Array.isArray(answer.messages) ? answer.messages.map(String) : []
      return { compatible: answer.is_compatible === true, messages }
    } catch (error) {
      if ((error as GrimError).code === 'GRIM_SCHEMA_NOT_FOUND') return { compatible: true, messages: [] }
      throw error
    }
  }

  /** Removes a subject and its versions (tests clean up with this; `permanent` frees the ids too). */
  async deleteSubject(subject: string, permanent = false): Promise<void> {
    const path = `/subjects/${encodeURIComponent(subject)}`
    await this.#http('DELETE', path, undefined, { subject })
    if (permanent) await this.#http('DELETE', `${path}?permanent=true`, undefined, { subject })
  }

  async #http(method: string, path: string, body: unknown, context: Record<string, unknown>): Promise<unknown> {
    try {
      const answer = await httpCall(this.url + path, {
        method,
        headers: this.#headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.#timeoutMs,
        agent: this.#agent,
      })
      const ok = answer.status >= 200 && answer.status < 300
      const json = parseAnswer(answer.text, ok)
      if (!ok) throw new RegistryHttpError(answer.status, json.message ?? `HTTP ${answer.status}`)
      return json
    } catch (error) {
      throw registryError(`${method} ${path}`, error, context)
    }
  }
}

export interface RegisteredVersion {
  subject: string
  version: number
  id: number
  schema: unknown
}

function strings(answer: unknown, what: string): string[] {
  if (!Array.isArray(answer))
    throw new GrimError('GRIM_REGISTRY_UNAVAILABLE', `the registry answered no list of ${what}`)
  return answer.filter((s): s is string => typeof s === 'string')
}

/** A 2xx answer must be JSON; an error page of a proxy in front of the registry need not be. */
function parseAnswer(text: string, ok: boolean): { message?: string } {
  if (!text) return {}
  try {
    const json = JSON.parse(text) as unknown
    return json !== null && typeof json === 'object' ? (json as { message?: string }) : {}
  } catch (error) {
    if (ok) throw error
    return { message: text.slice(0, 200) }
  }
}

/** Maps a registry client, HTTP or network failure onto the error catalogue. */
export function registryError(action: string, error: unknown, details: Record<string, unknown> = {}): GrimError {
  if (error instanceof GrimError) return error
  const message = messageOf(error)
  const status = (error as { status?: unknown })?.status
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? ''
  const subject = typeof details.subject === 'string' ? details.subject : undefined
  const networkFailure =
    NETWORK_FAILURE.test(`${message} ${code}`) ||
    (error instanceof TypeError && /fetch failed/i.test(message)) ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  if (networkFailure || (typeof status === 'number' && status >= 500)) {
    return new GrimError('GRIM_REGISTRY_UNAVAILABLE', `schema registry unavailable while ${action}: ${message}`, {
      cause: error,
      details: { ...details, status },
    })
  }
  if (status === 409 || error?.constructor?.name === 'ConfluentSchemaRegistryCompatibilityError') {
    const level = typeof details.compatibility === 'string' ? ` under ${details.compatibility} compatibility` : ''
    return new GrimError(
      'GRIM_SCHEMA_INCOMPATIBLE',
      `the registry refused the schema for subject ${subject ?? '?'}: incompatible with its earlier versions${level} (add fields only with defaults) — ${message}`,
      { cause: error, details: { ...details, status } },
    )
  }
  if (status === 422) {
    return new GrimError(
      'GRIM_SCHEMA_INCOMPATIBLE',
      `the registry refused an invalid schema while ${action}: ${message}`,
      {
        cause: error,
        details: { ...details, status },
      },
    )
  }
  if (status === 404) {
    return new GrimError('GRIM_SCHEMA_NOT_FOUND', `schema registry has no such schema while ${action}: ${message}`, {
      cause: error,
      details: { ...details, status },
    })
  }
  // 401/403 and other refusals: the registry is up but will not serve us; retrying will not change that.
  return new GrimError('GRIM_REGISTRY_UNAVAILABLE', `schema registry refused ${action}: ${message}`, {
    cause: error,
    retryable: false,
    details: { ...details, status },
  })
}
