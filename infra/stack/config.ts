import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// One place for where the local stack lives and listens. Every port can be moved with an env var.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const stateDir = process.env.GRIMOS_STATE_DIR ?? join(repoRoot, '.grimos')

function port(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`)
  }
  return value
}

export const stackConfig = {
  repoRoot,
  stateDir,
  logsDir: join(stateDir, 'logs'),
  runDir: join(stateDir, 'run'),
  host: '127.0.0.1',
  kafka: {
    version: '4.1.2',
    port: port('GRIMOS_KAFKA_PORT', 9092),
    controllerPort: port('GRIMOS_KAFKA_CONTROLLER_PORT', 9093),
    heapMb: 768,
    dir: join(stateDir, 'kafka'),
    pom: join(repoRoot, 'infra', 'kafka', 'pom.xml'),
  },
  registry: {
    version: '3.3.3',
    minJava: 21,
    port: port('GRIMOS_REGISTRY_PORT', 8081),
    managementPort: port('GRIMOS_REGISTRY_MANAGEMENT_PORT', 9001),
    heapMb: 512,
    dir: join(stateDir, 'registry'),
  },
  services: {
    authPort: port('GRIMOS_AUTH_PORT', 3001),
    consumerPort: port('GRIMOS_CONSUMER_PORT', 3002),
  },
  // Generous: a first run downloads ~250 MB and the JVMs start cold on 2 cores.
  readyTimeoutMs: 180_000,
} as const

export const kafkaBootstrap = `${stackConfig.host}:${stackConfig.kafka.port}`
export const registryUrl = `http://${stackConfig.host}:${stackConfig.registry.port}/apis/ccompat/v7`
