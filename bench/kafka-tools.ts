// Kafka's own command-line tools (org.apache.kafka:kafka-tools at the broker's version) as benchmark peers: the
// jar is fetched by Maven like the broker's, next to the broker's jars, and runs on their classpath. Credentials go
// to the tool in a client properties file in a private temp directory (0600), removed after the run.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stackConfig } from '../infra/stack/config.ts'
import { ensureKafkaJars } from '../infra/stack/downloads.ts'
import { findJava } from '../infra/stack/java.ts'

const run = promisify(execFile)

/** The tools jar, fetched once into .grimos/kafka/tools (mvn keeps its own cache in ~/.m2). */
async function ensureToolsJar(): Promise<string> {
  const version = stackConfig.kafka.version
  const dir = join(stackConfig.kafka.dir, 'tools')
  const jar = join(dir, `kafka-tools-${version}.jar`)
  if (existsSync(jar)) return jar
  mkdirSync(dir, { recursive: true })
  await run(
    'mvn',
    [
      '-B',
      '-q',
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
      `-Dartifact=org.apache.kafka:kafka-tools:${version}`,
      `-DoutputDirectory=${dir}`,
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
  )
  if (!existsSync(jar)) throw new Error(`mvn finished but ${jar} is missing`)
  return jar
}

/** The client properties of the admin principal, from the env the bench runner set (useAdminCredentials). */
function clientProperties(): string {
  const env = process.env
  if (env.KAFKA_SECURITY_PROTOCOL !== 'SASL_SSL') return 'security.protocol=PLAINTEXT\n'
  const user = env.KAFKA_SASL_USERNAME ?? ''
  const password = env.KAFKA_SASL_PASSWORD ?? ''
  const quote = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')
  return [
    'security.protocol=SASL_SSL',
    `sasl.mechanism=${env.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512'}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${quote(user)}" password="${quote(password)}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${env.KAFKA_SSL_CA_LOCATION ?? ''}`,
    // The broker is dialled by IP; its certificate is for 127.0.0.1 and localhost, checked as our clients do.
    'ssl.endpoint.identification.algorithm=https',
    '',
  ].join('\n')
}

export interface KafkaTool {
  /** Runs a tool class with `--<configFlag> <properties file>` added; resolves with its stdout. */
  run(className: string, args: string[], configFlag: string, timeoutMs: number): Promise<string>
  java: string
}

export async function kafkaTools(): Promise<KafkaTool> {
  const [libs, jar, jdk] = await Promise.all([
    ensureKafkaJars(),
    ensureToolsJar(),
    findJava(17, "Kafka's tools", 'GRIMOS_KAFKA_JAVA_HOME'),
  ])
  const classpath = `${jar}:${join(libs, '*')}`
  return {
    java: `Java ${jdk.major}`,
    async run(className, args, configFlag, timeoutMs) {
      const dir = mkdtempSync(join(tmpdir(), 'grimos-bench-'))
      const config = join(dir, 'client.properties')
      try {
        writeFileSync(config, clientProperties(), { mode: 0o600 })
        const { stdout } = await run(jdk.java, ['-Xmx512m', '-cp', classpath, className, ...args, configFlag, config], {
          maxBuffer: 16 * 1024 * 1024,
          timeout: timeoutMs,
        })
        return stdout
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** Throughput (records/s) from ProducerPerformance's final summary line. */
export function producerPerformanceRate(stdout: string): number {
  const summary = stdout
    .trim()
    .split('\n')
    .findLast((line) => line.includes('records sent') && line.includes('99.9th'))
  const match = summary?.match(/records sent, ([\d.]+) records\/sec/)
  if (!match) throw new Error(`no summary in ProducerPerformance's output:\n${stdout.slice(-500)}`)
  return Number(match[1])
}
