import type { Database } from '@grimos/events'
import { createServiceApp, registerHealthRoutes, type ServiceApp } from '@grimos/service-kit'
import type { Logger } from 'pino'
import { ensureFirstOperator } from './auth/operators.ts'
import { LoginLimiter } from './auth/rate-limit.ts'
import { openConsoleStore } from './auth/store.ts'
import { accessControl } from './http/access.ts'
import { registerAdminRoutes } from './http/routes/admin.ts'
import { registerClusterRoutes } from './http/routes/cluster.ts'
import type { RouteContext } from './http/routes/context.ts'
import { registerDlqRoutes } from './http/routes/dlq.ts'
import { registerLiveRoutes } from './http/routes/live.ts'
import { registerMessageRoutes } from './http/routes/messages.ts'
import { registerRegistryRoutes } from './http/routes/registry.ts'
import { registerSessionRoutes } from './http/routes/session.ts'
import { limitEventStreams } from './http/sse.ts'
import { registerFrontEnd } from './http/static.ts'
import { type ConsoleOps, openConsoleOps } from './ops/index.ts'
import type { ConsoleConfig } from './options.ts'

export const serviceName = 'console'

export interface ConsoleServer {
  app: ServiceApp
  db: Database
  console: ConsoleOps
  /** Where the first start wrote the admin password, when it did. */
  adminPasswordFile: string | undefined
}

export interface ConsoleServerOptions {
  config: ConsoleConfig
  logger?: Logger
}

/** Builds the console: database (migrated, first operator), Kafka and registry clients, routes, the front end. */
export async function buildConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { config } = options
  const app = createServiceApp({
    name: serviceName,
    ...(options.logger ? { loggerInstance: options.logger } : { logger: { level: config.LOG_LEVEL } }),
  })
  const db = await openConsoleStore({
    url: config.DATABASE_URL,
    dataDir: config.PGLITE_DATA_DIR,
    schema: config.DATABASE_SCHEMA,
  })
  let consoleOps: ConsoleOps | undefined
  try {
    const adminPasswordFile = await ensureFirstOperator(db, config.CONSOLE_SECRETS_DIR)
    consoleOps = openConsoleOps({
      userEventsTopic: config.USER_EVENTS_TOPIC,
      maxScan: config.CONSOLE_MAX_SCAN,
      consumerGroup: config.CONSOLE_CONSUMER_GROUP,
    })
    const ops = consoleOps
    const limiter = new LoginLimiter({
      windowMs: 15 * 60_000,
      perAddress: config.CONSOLE_LOGIN_PER_ADDRESS,
      perUsername: config.CONSOLE_LOGIN_PER_USERNAME,
    })
    app.addHook('onRequest', accessControl(db, limiter))
    app.addHook('onSend', async (_request, reply) => {
      // The API answers are per user and change constantly; the front end is static.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
      reply.header('x-content-type-options', 'nosniff')
      reply.header('x-frame-options', 'DENY')
    })
    app.addHook('onClose', async () => {
      await ops.close().catch((error: unknown) => app.log.error({ err: error }, 'closing Kafka clients failed'))
      await db.close()
    })
    limitEventStreams(config.CONSOLE_MAX_STREAMS)
    const ctx: RouteContext = { console: ops, db, sampleMs: config.CONSOLE_SAMPLE_MS }
    registerHealthRoutes(app, {
      live: () => true,
      ready: async () => ({
        database: await db.query('select 1').then(
          () => true,
          () => false,
        ),
        kafka: await ops.ops.admin.listTopics().then(
          () => true,
          () => false,
        ),
      }),
    })
    registerSessionRoutes(app, {
      db,
      limiter,
      ttlMs: config.CONSOLE_SESSION_TTL_MS,
      secureCookie: config.NODE_ENV === 'production',
    })
    registerClusterRoutes(app, ctx)
    registerMessageRoutes(app, ctx)
    registerDlqRoutes(app, ctx)
    registerRegistryRoutes(app, ctx)
    registerAdminRoutes(app, ctx)
    registerLiveRoutes(app, ctx)
    await registerFrontEnd(app, config.CONSOLE_WEB_DIR)
    return { app, db, console: ops, adminPasswordFile }
  } catch (error) {
    await consoleOps?.close()
    await db.close()
    throw error
  }
}
