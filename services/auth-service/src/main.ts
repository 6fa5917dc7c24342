// Entry point: node services/auth-service/src/main.ts

import { startOutboxRelay } from '@grimos/events'
import {
  ConfigError,
  closeOnSignals,
  createServiceLogger,
  createServiceRegistry,
  developmentSecretsIn,
  listen,
} from '@grimos/service-kit'
import { buildAuthApp } from './app.ts'
import { resolveJwtSecret } from './auth/jwt-secret.ts'
import { openAuthDatabase } from './db.ts'
import { loadAuthEnv, settingsFrom } from './options.ts'

const drainTimeoutMs = 5_000

async function main(): Promise<void> {
  const env = loadAuthEnv()
  const jwtSecret = await resolveJwtSecret(env)
  const logger = createServiceLogger('auth-service', { level: env.LOG_LEVEL })
  const devSecrets = developmentSecretsIn()
  if (devSecrets.length > 0)
    logger.warn({ variables: devSecrets }, 'DEVELOPMENT SECRETS: public dev-only defaults in use; never deploy this')
  const db = await openAuthDatabase({
    url: env.DATABASE_URL,
    dataDir: env.DATABASE_URL ? undefined : env.AUTH_DATA_DIR,
    schema: env.AUTH_DB_SCHEMA,
  })
  logger.info(
    { engine: db.engine, schema: db.schema, dataDir: env.DATABASE_URL ? undefined : env.AUTH_DATA_DIR },
    'database ready',
  )
  const settings = settingsFrom(env, jwtSecret)
  // EVENT_PUBLISHING=off (benchmarks only) writes no outbox rows, so there is nothing to relay.
  const metricsRegistry = createServiceRegistry('auth-service')
  const relay =
    env.EVENT_PUBLISHING === 'on'
      ? startOutboxRelay(db, {
          clientId: 'auth-service-outbox',
          topic: settings.userEvents?.topic,
          logger: logger.child({ component: 'outbox' }),
          metricsRegistry,
        })
      : undefined
  if (!relay) logger.warn('EVENT_PUBLISHING=off: changes publish no user events')
  const app = await buildAuthApp({
    db,
    settings,
    metricsRegistry,
    loggerInstance: logger,
    afterWrite: relay ? () => relay.wake() : undefined,
  })
  const steps = [{ name: 'database', run: () => db.close() }]
  if (relay) {
    steps.unshift({
      name: 'outbox relay',
      run: async () => {
        try {
          await relay.drain(drainTimeoutMs)
        } finally {
          await relay.stop()
        }
      },
    })
  }
  closeOnSignals(app, { steps })
  await listen(app, { host: env.HOST, port: env.PORT })
}

main().catch((error: unknown) => {
  // A configuration problem is one line naming the variable; anything else gets its stack.
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(1)
})
