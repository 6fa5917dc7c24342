import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Admin } from '@platformatic/kafka'
import type { Component } from './component.ts'
import { kafkaBootstrap, stackConfig } from './config.ts'
import { ensureKafkaJars } from './downloads.ts'
import { StackError } from './errors.ts'
import { findJava } from './java.ts'

const run = promisify(execFile)
const { kafka, host } = stackConfig
const configFile = join(kafka.dir, 'server.properties')
const log4jFile = join(kafka.dir, 'log4j2.properties')
const dataDir = join(kafka.dir, 'data')

// A single combined broker+controller in KRaft mode. Both listeners bind loopback only.
function serverProperties(): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${kafka.controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafka.port},CONTROLLER://${host}:${kafka.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafka.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    // One node: internal topics cannot have more replicas than brokers.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics are created on purpose, with explicit settings; a typo must not create one.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
  ].join('\n')}\n`
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

async function prepare(java: string): Promise<string> {
  const libs = await ensureKafkaJars()
  mkdirSync(kafka.dir, { recursive: true })
  writeFileSync(configFile, serverProperties())
  writeFileSync(log4jFile, log4j2)
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url')
    try {
      // `--cluster-id=` and not `-t id`: one id in 64 starts with '-', which argparse then reads as an option.
      const format = ['format', `--cluster-id=${clusterId}`, '-c', configFile]
      await run(java, [...jvmArgs(libs), 'kafka.tools.StorageTool', ...format])
    } catch (error) {
      const detail = ((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').at(-1)
      throw new StackError(`formatting Kafka storage in ${dataDir} failed: ${detail}`)
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

/** A real metadata round trip: the broker answers and knows its own controller quorum. */
export async function kafkaAnswers(timeoutMs = 3000): Promise<boolean> {
  const admin = new Admin({
    clientId: 'grimos-stack',
    bootstrapBrokers: [kafkaBootstrap],
    timeout: timeoutMs,
    retries: 0,
  })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return metadata.brokers.size > 0
  } finally {
    await admin.close()
  }
}

export const kafkaComponent: Component = {
  name: 'kafka',
  describe: () => `Apache Kafka ${kafka.version} (KRaft, broker+controller)  ${kafkaBootstrap}`,
  ports: { GRIMOS_KAFKA_PORT: kafka.port, GRIMOS_KAFKA_CONTROLLER_PORT: kafka.controllerPort },
  async launch() {
    const jdk = await findJava(17, 'Apache Kafka 4', 'GRIMOS_KAFKA_JAVA_HOME')
    const libs = await prepare(jdk.java)
    return { command: jdk.java, args: [...jvmArgs(libs), 'kafka.Kafka', configFile] }
  },
  downloads: 'Apache Kafka from Maven Central',
  isHealthy: () => kafkaAnswers(),
}
