import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { applyAcls } from './acls.ts'
import type { Component } from './component.ts'
import { type KafkaNode, kafkaBootstrap, stackConfig } from './config.ts'
import { ensureKafkaJars } from './downloads.ts'
import { StackError } from './errors.ts'
import { findJava } from './java.ts'
import {
  adminClientOptions,
  INSECURE_WARNING,
  insecure,
  listenerMode,
  listenerProperties,
  recordListenerMode,
  scramFormatArgs,
} from './security.ts'
import { ensureTls, type TlsMaterial } from './tls.ts'

const run = promisify(execFile)
const { kafka, host } = stackConfig
const log4jFile = join(kafka.dir, 'log4j2.properties')
const single = kafka.nodes.length === 1

/** Where a node keeps its config and data: one node uses .grimos/kafka itself, as it always has. */
const nodeDir = (node: KafkaNode) => (single ? kafka.dir : join(kafka.dir, `node-${node.id}`))
const dataDir = (node: KafkaNode) => join(nodeDir(node), 'data')
const configFile = (node: KafkaNode) => join(nodeDir(node), 'server.properties')
/** Written when a node's storage is formatted with the SCRAM users: storage without it predates the secure stack. */
const scramMarker = (node: KafkaNode) => join(nodeDir(node), 'data.scram-formatted')
/** `kafka` for one node (as before), `kafka-1`, `kafka-2`, … for a cluster. */
export const kafkaNodeName = (node: KafkaNode) => (single ? 'kafka' : `kafka-${node.id}`)
export const kafkaNodeNames = kafka.nodes.map(kafkaNodeName)

// One combined broker+controller per node in KRaft mode, every node a voter of a static quorum. Both listeners
// bind loopback only; security.ts says how they are secured.
function serverProperties(node: KafkaNode, tls: TlsMaterial): string {
  const voters = kafka.nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',')
  const rf = kafka.replication
  const isr = kafka.minInsyncReplicas
  const lines = [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    ...listenerProperties(`${host}:${node.brokerPort}`, `${host}:${node.controllerPort}`, tls),
    'controller.listener.names=CONTROLLER',
    `log.dirs=${dataDir(node)}`,
    'num.partitions=3',
    // Internal topics cannot have more replicas than brokers; with 3 they survive losing one node.
    `offsets.topic.replication.factor=${rf}`,
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    // A cluster replicates every topic by default, and acks=all then needs 2 copies written.
    ...(single ? [] : [`default.replication.factor=${rf}`, `min.insync.replicas=${isr}`]),
    'group.initial.rebalance.delay.ms=0',
    // Topics are created on purpose, with explicit settings; a typo must not create one.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
  ]
  return `${lines.join('\n')}\n`
}

const log4j2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.controller.name = state.change.logger
logger.controller.level = WARN
`

/** Every node of a cluster must be formatted with one cluster id: the one a formatted node already has. */
function clusterId(): string {
  for (const node of kafka.nodes) {
    const meta = join(dataDir(node), 'meta.properties')
    if (!existsSync(meta)) continue
    const id = /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim()
    if (id) return id
  }
  return randomBytes(16).toString('base64url')
}

async function prepare(java: string, node: KafkaNode): Promise<string> {
  const libs = await ensureKafkaJars()
  const tls = await ensureTls(java)
  mkdirSync(nodeDir(node), { recursive: true })
  // Owner-only: the secure configuration holds the keystore's and the inter-broker user's passwords.
  writeFileSync(configFile(node), serverProperties(node, tls), { mode: 0o600 })
  chmodSync(configFile(node), 0o600)
  writeFileSync(log4jFile, log4j2)
  const formatted = existsSync(join(dataDir(node), 'meta.properties'))
  if (formatted && !insecure && !existsSync(scramMarker(node))) {
    throw new StackError(
      `${dataDir(node)} holds a plaintext-era Kafka without SCRAM users: delete it for the secure stack (rm -rf ${dataDir(node)}; its topics are lost) or start with GRIMOS_INSECURE=1`,
    )
  }
  if (!formatted) {
    try {
      // `--cluster-id=` and not `-t id`: one id in 64 starts with '-', which argparse then reads as an option.
      // controller.quorum.voters (a static quorum) makes --initial-controllers unnecessary. In KRaft the SCRAM
      // users must exist before the first start, so they are written with the storage (even when insecure: a
      // later secure start then finds them).
      const format = ['format', `--cluster-id=${clusterId()}`, '-c', configFile(node), ...scramFormatArgs()]
      await run(java, [...jvmArgs(libs), 'kafka.tools.StorageTool', ...format])
      writeFileSync(scramMarker(node), 'SCRAM-SHA-512 users formatted in\n')
    } catch (error) {
      const detail = ((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').at(-1) ?? ''
      // The command line carried the SCRAM passwords: none may reach the one line a person reads.
      const redacted = detail.replace(/password=[^\],\s]+/g, 'password=***')
      throw new StackError(`formatting Kafka storage in ${dataDir(node)} failed: ${redacted}`)
    }
  }
  return libs
}

function jvmArgs(libs: string): string[] {
  return [
    `-Xms${kafka.heapMb}m`,
    `-Xmx${kafka.heapMb}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${stackConfig.logsDir}`,
    '-cp',
    `${libs}/*`,
  ]
}

/** A real metadata round trip: a broker of `bootstrap` (default: any of the stack's) answers. */
export async function kafkaAnswers(timeoutMs = 3000, bootstrap = kafkaBootstrap): Promise<boolean> {
  const admin = new Admin({
    clientId: 'grimos-stack',
    bootstrapBrokers: bootstrap.split(','),
    timeout: timeoutMs,
    retries: 0,
    ...adminClientOptions(),
  })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return metadata.brokers.size > 0
  } finally {
    await admin.close()
  }
}

function kafkaNodeComponent(node: KafkaNode): Component {
  const broker = `${host}:${node.brokerPort}`
  const role = single ? 'KRaft, broker+controller' : `KRaft node ${node.id} of ${kafka.nodes.length}, broker+controller`
  return {
    name: kafkaNodeName(node),
    describe: () =>
      `Apache Kafka ${kafka.version} (${role})  ${broker}${single ? '' : ` (controller :${node.controllerPort})`}  ${listenerMode() === 'PLAINTEXT' ? 'PLAINTEXT, no authentication (GRIMOS_INSECURE=1)' : 'SASL_SSL (SCRAM-SHA-512, TLS 1.3)'}`,
    // Node i's ports move with the base ports (config.ts), so the base ports' env vars are what to change.
    ports: { GRIMOS_KAFKA_PORT: node.brokerPort, GRIMOS_KAFKA_CONTROLLER_PORT: node.controllerPort },
    // No node of a cluster answers before a quorum of controllers runs: all are started, then waited for.
    startsWith: single ? undefined : 'kafka',
    async launch() {
      const jdk = await findJava(17, 'Apache Kafka 4', 'GRIMOS_KAFKA_JAVA_HOME')
      if (insecure && node.id === 1) console.error(INSECURE_WARNING)
      const libs = await prepare(jdk.java, node)
      recordListenerMode()
      return { command: jdk.java, args: [...jvmArgs(libs), 'kafka.Kafka', configFile(node)] }
    },
    downloads: node.id === 1 ? 'Apache Kafka from Maven Central' : undefined,
    // Its own broker: a cluster is healthy when every node answers, not just one of them.
    isHealthy: () => kafkaAnswers(3000, broker),
    // Once every node answers: the ACLs, as the admin (idempotent, so a reused broker gets today's table too).
    // The running broker's mode decides, not this process's env: `up` may reuse a stack started from another shell.
    afterHealthy:
      node.id === 1
        ? async () => {
            if (listenerMode() === 'SASL_SSL') await applyAcls()
            else if (!insecure) console.error(INSECURE_WARNING)
          }
        : undefined,
  }
}

/** One component per node, in node order. */
export const kafkaComponents: Component[] = kafka.nodes.map(kafkaNodeComponent)
