import { join } from 'node:path'
import type { Component } from './component.ts'
import { clusterEnv, registryUrl, stackConfig } from './config.ts'
import { kafkaNodeNames } from './kafka.ts'
import { localSecret } from './secrets.ts'
import { clientEnv, kafkaPassword, listenerMode } from './security.ts'

// The grimOS services run from source on the same Node 24 as this script, with their state under .grimos/.

const { host } = stackConfig

function serviceComponent(
  name: string,
  port: number,
  portEnv: string,
  env: () => Record<string, string>,
  entry = join(stackConfig.repoRoot, 'services', name, 'src', 'main.ts'),
): Component {
  const baseUrl = `http://${host}:${port}`
  return {
    name,
    // The status line starts with the name already.
    describe: () => baseUrl,
    ports: { [portEnv]: port },
    dependsOn: [...kafkaNodeNames, 'registry'],
    async launch() {
      return {
        command: process.execPath,
        args: [entry],
        env: {
          HOST: host,
          PORT: String(port),
          // Every broker, and the cluster's replication for the topics the services create.
          ...clusterEnv(),
          SCHEMA_REGISTRY_URL: registryUrl,
          NODE_ENV: process.env.NODE_ENV ?? 'development',
          ...env(),
        },
      }
    },
    async isHealthy() {
      const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) })
      return response.ok
    },
  }
}

export const authServiceComponent = serviceComponent(
  'auth-service',
  stackConfig.services.authPort,
  'GRIMOS_AUTH_PORT',
  () => ({
    AUTH_DATA_DIR: join(stackConfig.stateDir, 'auth-service', 'db'),
    JWT_SECRET: localSecret('jwt-secret'),
    // Its own principal: it may publish user events and nothing else (acls.ts).
    ...clientEnv('auth-service'),
  }),
)

export const eventConsumerComponent = serviceComponent(
  'event-consumer',
  stackConfig.services.consumerPort,
  'GRIMOS_CONSUMER_PORT',
  () => ({
    PGLITE_DATA_DIR: join(stackConfig.stateDir, 'event-consumer', 'db'),
    OPERATOR_TOKEN: localSecret('operator-token'),
    ...clientEnv('event-consumer'),
    // Its DLQ API replays into grimos.user-events, which only the operator principal may write.
    ...(listenerMode() === 'PLAINTEXT'
      ? {}
      : { DLQ_KAFKA_SASL_USERNAME: 'operator', DLQ_KAFKA_SASL_PASSWORD: kafkaPassword('operator') }),
  }),
)

export const consoleComponent = serviceComponent(
  'console',
  stackConfig.services.consolePort,
  'GRIMOS_CONSOLE_PORT',
  () => ({
    PGLITE_DATA_DIR: join(stackConfig.stateDir, 'console', 'db'),
    // The first start writes the admin's password here (console-admin.password, 0600).
    CONSOLE_SECRETS_DIR: join(stackConfig.stateDir, 'secrets'),
    // The operator principal: reads every topic, replays to the source topic, resets grimOS groups (acls.ts).
    ...clientEnv('operator'),
  }),
  join(stackConfig.repoRoot, 'console', 'src', 'main.ts'),
)
