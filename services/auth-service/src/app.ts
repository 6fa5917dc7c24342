import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  createServiceApp,
  createServiceRegistry,
  registerHealthRoutes,
  registerMetricsRoute,
  type ServiceApp,
  type ServiceLoggerOptions,
} from '@grimos/service-kit'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { authenticate } from './auth/authenticate.ts'
import { pruneExpiredLimits } from './auth/rate-limits.ts'
import { pruneEndedSessions } from './auth/sessions.ts'
import { createTokenSigner } from './auth/tokens.ts'
import type { Database } from './db.ts'
import { userEventDefaults, userEventRecorder } from './events.ts'
import { proxyTrust } from './http/trust-proxy.ts'
import { type AuthSettings, authEnvDefaults } from './options.ts'
import { createAttemptLimits } from './routes/attempt-limits.ts'
import { registerAuthRoutes } from './routes/auth.ts'
import { registerEmailVerificationRoutes } from './routes/email-verification.ts'
import { registerPasswordRoutes } from './routes/password.ts'
import { registerProfileRoutes } from './routes/profile.ts'
import type { RouteDeps } from './routes/shared.ts'
import { pruneSpentVerifications } from './users/email-verifications.ts'

export const apiPrefix = '/api/v1'

/** How often ended rate-limit windows and spent email verification links are deleted. */
const sweepIntervalMs = 60_000

export interface AuthAppOptions {
  db: Database
  settings: AuthSettings
  logger?: ServiceLoggerOptions
  /** Used instead of `logger` options, e.g. to share one logger with the outbox relay. */
  loggerInstance?: Logger
  /** Called after every answered write request; the outbox relay's `wake` publishes without waiting to poll. */
  afterWrite?: () => void
  /** Served at `/metrics` (outbox and process metrics); a fresh one when absent. */
  metricsRegistry?: Registry
}

/** The auth-service HTTP app, ready to `inject` or `listen`; the caller owns (and closes) the database. */
export async function buildAuthApp(options: AuthAppOptions): Promise<ServiceApp> {
  const { db, settings } = options
  const app = createServiceApp({
    name: 'auth-service',
    logger: options.logger,
    loggerInstance: options.loggerInstance,
    bodyLimit: settings.bodyLimit,
    trustProxy: proxyTrust(settings.trustProxy),
  })

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'grimOS auth-service',
        version: '1.0.0',
        description: 'Accounts, login and sessions. Every change publishes a user event through the outbox.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  // Only routes that ask for it are limited (see createAttemptLimits), in preHandlers: after validation, so a key
  // can include the body's email, and after authentication, so it can be the user. Ended windows are deleted
  // now and then; a failed sweep is logged and the next one tries again (the counters stay correct meanwhile).
  // Spent email verification links (they hold the address) and long-ended sessions go in the same sweep.
  const sweep = setInterval(() => {
    pruneExpiredLimits(db).catch((error: unknown) => app.log.warn({ err: error }, 'pruning rate-limit rows failed'))
    pruneSpentVerifications(db).catch((error: unknown) =>
      app.log.warn({ err: error }, 'pruning spent email verifications failed'),
    )
    pruneEndedSessions(db, settings.endedSessionRetentionDays ?? authEnvDefaults.ENDED_SESSION_RETENTION_DAYS).catch(
      (error: unknown) => app.log.warn({ err: error }, 'pruning ended sessions failed'),
    )
  }, sweepIntervalMs)
  sweep.unref()
  app.addHook('onClose', async () => clearInterval(sweep))

  const afterWrite = options.afterWrite
  if (afterWrite) {
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') afterWrite()
    })
  }

  const signer = createTokenSigner(settings.jwtSecret, settings.accessTokenTtlSeconds, settings.refreshTokenTtlSeconds)
  const deps: RouteDeps = {
    db,
    signer,
    settings,
    recordUserEvent: userEventRecorder(settings.userEvents ?? userEventDefaults),
    authenticate: authenticate(db, signer),
    limits: createAttemptLimits(db, settings),
  }

  registerMetricsRoute(app, options.metricsRegistry ?? createServiceRegistry('auth-service'))
  registerHealthRoutes(app, {
    live: () => true,
    ready: async () => ({ database: (await db.query('select 1 as ok')).length === 1 }),
  })
  await app.register(
    async (scope) => {
      const api = scope.withTypeProvider<TypeBoxTypeProvider>()
      registerAuthRoutes(api, deps)
      registerProfileRoutes(api, deps)
      registerPasswordRoutes(api, deps)
      registerEmailVerificationRoutes(api, deps)
    },
    { prefix: apiPrefix },
  )
  return app
}
