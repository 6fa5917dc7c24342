// Entry point: `node services/event-consumer/src/main.ts`. Reads the environment, builds the service, listens,
// starts consuming, and shuts down in order on SIGINT/SIGTERM (see app.ts).
import { ConfigError, closeOnSignals, developmentSecretsIn, listen } from '@grimos/service-kit'
import { buildConsumerService } from './app.ts'
import { loadServiceConfig, resolveOperatorToken } from './options.ts'

async function main(): Promise<void> {
  const config = loadServiceConfig()
  const operator = resolveOperatorToken(config)
  const { app, consumer } = await buildConsumerService({ config, operatorToken: operator.token })
  closeOnSignals(app, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS })
  const devSecrets = developmentSecretsIn()
  if (devSecrets.length > 0)
    app.log.warn({ variables: devSecrets }, 'DEVELOPMENT SECRETS: public dev-only defaults in use; never deploy this')
  if (operator.generated) {
    // Straight to stdout, once, and never through the logger: log pipelines keep and ship what they get.
    process.stdout.write(
      `\nevent-consumer: no OPERATOR_TOKEN set, generated one for this run (development only):\n  ${operator.token}\n\n`,
    )
  }
  try {
    await listen(app, { host: config.HOST, port: config.PORT })
    await consumer.start()
  } catch (error) {
    // Close what was opened (HTTP, DLQ clients, database) before reporting the failure.
    await app.close()
    throw error
  }
  app.log.info({ topic: config.USER_EVENTS_TOPIC, groupId: config.CONSUMER_GROUP_ID }, 'consuming user events')
}

main().catch((error: unknown) => {
  // A bad environment is one line for the operator; anything else gets its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `event-consumer failed to start: ${(error as Error)?.stack ?? String(error)}\n`,
  )
  process.exit(1)
})
