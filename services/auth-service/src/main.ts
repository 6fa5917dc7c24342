// Entry point: node services/auth-service/src/main.ts
import { ConfigError, closeOnSignals, createServiceLogger, listen } from '@grimos/service-kit'
// TODO(lead): import from '@grimos/events' once its index exports startOutboxRelay.
import { startOutboxRelay } from '../../../packages/events/src/outbox/user-events.ts'
import { buildAuthApp } from './app.ts'
import { resolveJwtSecret } from './auth/jwt-secret.ts'
import { openAuthDatabase } from './db.ts'
import { loadAuthEnv, settingsFrom } from './options.ts'

const drainTimeoutMs = 5_000

async function main(): Promise<void> {
  const env = loadAuthEnv()
  const jwtSecret = await resolveJwtSecret(env)
  const logger = createServiceLogger('auth-service', { level: env.LOG_LEVEL })
  const db = await openAuthDatabase({
    url: env.DATABASE_URL,
    dataDir: env.DATABASE_URL ? undefined : env.AUTH_DATA_DIR,
    schema: env.AUTH_DB_SCHEMA,
  })
  logger.info(
    { engine: db.engine, schema: db.schema, dataDir: env.DATABASE_URL ? undefined : env.AUTH_DATA_DIR },
    'database ready',
  )
  const relay = startOutboxRelay(db, { clientId: 'auth-service-outbox', logger: logger.child({ component: 'outbox' }) })
  const app = await buildAuthApp({
    db,
    settings: settingsFrom(env, jwtSecret),
    loggerInstance: logger,
    afterWrite: () => relay.wake(),
  })
  closeOnSignals(app, {
    steps: [
      {
        name: 'outbox relay',
        run: async () => {
          try {
            await relay.drain(drainTimeoutMs)
          } finally {
            await relay.stop()
          }
        },
      },
      { name: 'database', run: () => db.close() },
    ],
  })
  await listen(app, { host: env.HOST, port: env.PORT })
}

main().catch((error: unknown) => {
  // A configuration problem is one line naming the variable; anything else gets its stack.
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(1)
})
