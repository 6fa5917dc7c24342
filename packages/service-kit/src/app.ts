import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Plugin } from 'ajv'
import ajvFormats from 'ajv-formats'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import type { Logger } from 'pino'
import { installErrorHandling } from './error-handler.ts'
import { createServiceLogger, type ServiceLoggerOptions } from './logger.ts'
import { requestIdFrom, requestIdHeader } from './request-id.ts'
import { enforceStrictInput } from './strict-input.ts'

// ajv-formats is CommonJS: its plugin is the default export under Node's ESM loader, the module itself elsewhere.
const formatsPlugin = ((ajvFormats as { default?: unknown }).default ?? ajvFormats) as Plugin<unknown>

export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

export interface ServiceAppOptions {
  /** The service name, on every log line. */
  name: string
  logger?: ServiceLoggerOptions
  /** A ready logger instead of `logger` options (its redaction is then the caller's business). */
  loggerInstance?: Logger
  /** Largest accepted body in bytes; more is answered 413. Default 16 KiB. */
  bodyLimit?: number
  /**
   * Trust X-Forwarded-* (only behind a proxy you run), so `req.ip` is the client's. Default false. A function
   * decides per hop (`hop` 0 is the socket peer); Fastify ignores a bare hop count, so pass `(_, hop) => hop < n`.
   */
  trustProxy?: boolean | string | string[] | ((address: string, hop: number) => boolean)
}

/**
 * A Fastify instance with the grimOS plumbing: TypeBox types, request ids (accepted from `x-request-id`, echoed
 * back), a redacting pino logger, one error shape for every error, and unknown body or query fields refused
 * (a route whose schema would let them through is refused at registration).
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const logger: FastifyBaseLogger = options.loggerInstance ?? createServiceLogger(options.name, options.logger)
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    trustProxy: options.trustProxy ?? false,
    genReqId: requestIdFrom,
    // Probes hit every few seconds; their request lines would drown the log.
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: (request: { url?: string }) => request.url?.startsWith('/health/') === true,
    }),
    ajv: {
      // All errors, so one answer names every bad field; formats such as email and uuid are enforced.
      // removeAdditional false: Fastify's default drops unknown fields silently; here they fail validation
      // (see strict-input.ts). Coercion stays as Fastify sets it: querystrings arrive as strings ('5' -> 5).
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
      plugins: [formatsPlugin],
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onRequest', async (request, reply) => {
    reply.header(requestIdHeader, request.id)
  })
  installErrorHandling(app)
  enforceStrictInput(app)
  return app
}
