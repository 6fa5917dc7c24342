import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StackError } from './errors.ts'

// One place for where the local stack lives and listens. Every port can be moved with an env var.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const stateDir = process.env.GRIMOS_STATE_DIR ?? join(repoRoot, '.grimos')
const host = '127.0.0.1'

function port(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`)
  }
  return value
}

export const maxKafkaNodes = 5
// The node count outlives the command that chose it (`up --nodes 3`), so `status`, `logs kafka-2` and `down`
// from another shell know every node. It stays until another `up --nodes N` changes it.
export const nodesFile = join(stateDir, 'kafka-nodes')

export function parseNodes(raw: string, from: string): number {
  const value = Number(raw.trim())
  if (!Number.isInteger(value) || value < 1 || value > maxKafkaNodes) {
    throw new StackError(`${from} must be a Kafka node count from 1 to ${maxKafkaNodes}, got "${raw.trim()}"`)
  }
  return value
}

/** The node count the stack was last brought up with (1 if never chosen). */
export function persistedNodes(): number {
  return existsSync(nodesFile) ? parseNodes(readFileSync(nodesFile, 'utf8'), nodesFile) : 1
}

export function persistNodes(nodes: number): void {
  mkdirSync(stateDir, { recursive: true })
  writeFileSync(nodesFile, `${nodes}\n`)
}

// GRIMOS_KAFKA_NODES is how `up --nodes N` reaches this module (cli.ts sets it before importing the stack).
const nodes = process.env.GRIMOS_KAFKA_NODES
  ? parseNodes(process.env.GRIMOS_KAFKA_NODES, 'GRIMOS_KAFKA_NODES')
  : persistedNodes()
const kafkaPort = port('GRIMOS_KAFKA_PORT', 9092)
const controllerPort = port('GRIMOS_KAFKA_CONTROLLER_PORT', 9093)

/**
 * Node i (1-based) listens on base + 2(i-1): brokers 9092/9094/9096, controllers 9093/9095/9097 by default,
 * so every node's ports follow from the two base ports and one node uses exactly the ports of old.
 */
export interface KafkaNode {
  id: number
  brokerPort: number
  controllerPort: number
}

function kafkaNodes(): KafkaNode[] {
  const list = Array.from({ length: nodes }, (_, i) => ({
    id: i + 1,
    brokerPort: kafkaPort + 2 * i,
    controllerPort: controllerPort + 2 * i,
  }))
  const all = list.flatMap((n) => [n.brokerPort, n.controllerPort])
  if (new Set(all).size !== all.length || Math.max(...all) > 65535) {
    throw new StackError(
      `${nodes} Kafka nodes need ports GRIMOS_KAFKA_PORT+0,2,4… and GRIMOS_KAFKA_CONTROLLER_PORT+0,2,4…, which overlap or pass 65535 for ${kafkaPort}/${controllerPort}: use e.g. ${kafkaPort}/${kafkaPort + 1}`,
    )
  }
  return list
}

// With three or more nodes, a write acknowledged with acks=all survives losing any one node.
const replication = Math.min(nodes, 3)

export const stackConfig = {
  repoRoot,
  stateDir,
  logsDir: join(stateDir, 'logs'),
  runDir: join(stateDir, 'run'),
  host,
  kafka: {
    version: '4.1.2',
    port: kafkaPort,
    controllerPort,
    nodes: kafkaNodes(),
    replication,
    minInsyncReplicas: replication >= 3 ? 2 : 1,
    // Several JVMs share 2 cores and the machine's memory: each gets less heap than a lone broker.
    heapMb: nodes === 1 ? 768 : 512,
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
    consolePort: port('GRIMOS_CONSOLE_PORT', 3003),
  },
  // Generous: a first run downloads ~250 MB and the JVMs start cold on 2 cores.
  readyTimeoutMs: 180_000,
} as const

/** Every broker, comma-separated: what KAFKA_BOOTSTRAP_SERVERS should say for this stack. */
export const kafkaBootstrap = stackConfig.kafka.nodes.map((n) => `${host}:${n.brokerPort}`).join(',')
export const registryUrl = `http://${host}:${stackConfig.registry.port}/apis/ccompat/v7`

/** What the services the stack starts need to know about the cluster (packages/events reads these). */
export function clusterEnv(): Record<string, string> {
  // One node: the library's own defaults (1/1) or whatever the caller's env says, as before clusters existed.
  if (stackConfig.kafka.nodes.length === 1) return { KAFKA_BOOTSTRAP_SERVERS: kafkaBootstrap }
  return {
    KAFKA_BOOTSTRAP_SERVERS: kafkaBootstrap,
    GRIMOS_TOPIC_REPLICATION: String(stackConfig.kafka.replication),
    GRIMOS_TOPIC_MIN_ISR: String(stackConfig.kafka.minInsyncReplicas),
  }
}
