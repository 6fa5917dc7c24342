import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Component } from './component.ts'
import { clusterEnv, registryUrl, stackConfig } from './config.ts'
import { kafkaNodeNames } from './kafka.ts'

// The grimOS services run from source on the same Node 24 as this script, with their state under .grimos/.

const { host } = stackConfig

/** A per-checkout secret, created once with owner-only permissions and reused by later starts. */
export function localSecret(name: string): string {
  const file = join(stackConfig.stateDir, 'secrets', name)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(join(stackConfig.stateDir, 'secrets'), { recursive: true, mode: 0o700 })
  const value = randomBytes(32).toString('base64url')
  writeFileSync(file, value, { mode: 0o600 })
  return value
}

function serviceComponent(name: string, port: number, portEnv: string, env: () => Record<string, string>): Component {
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
        args: [join(stackConfig.repoRoot, 'services', name, 'src', 'main.ts')],
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
  }),
)

export const eventConsumerComponent = serviceComponent(
  'event-consumer',
  stackConfig.services.consumerPort,
  'GRIMOS_CONSUMER_PORT',
  () => ({
    PGLITE_DATA_DIR: join(stackConfig.stateDir, 'event-consumer', 'db'),
    OPERATOR_TOKEN: localSecret('operator-token'),
  }),
)
