import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'

const run = promisify(execFile)
const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'

// Everything comes from Maven Central through mvn, which keeps its own cache in ~/.m2; our marker files
// make a second start skip even mvn's start-up.

async function mvn(what: string, args: string[], logName: string): Promise<void> {
  mkdirSync(stackConfig.logsDir, { recursive: true })
  const log = join(stackConfig.logsDir, `${logName}.log`)
  try {
    const { stdout, stderr } = await run('mvn', ['-B', ...args], { maxBuffer: 64 * 1024 * 1024 })
    writeFileSync(log, stdout + stderr)
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; code?: unknown }
    if (failure.code === 'ENOENT') {
      throw new StackError(
        `Maven (mvn) is needed to download ${what} from Maven Central: install it (e.g. apt-get install maven) and retry.`,
      )
    }
    writeFileSync(log, `${failure.stdout ?? ''}${failure.stderr ?? ''}`)
    throw new StackError(
      `downloading ${what} from Maven Central failed: check the network or ~/.m2/settings.xml, then retry (details: ${log}).`,
    )
  }
}

function markerOk(dir: string, fingerprint: string): boolean {
  const marker = join(dir, '.fetched')
  return existsSync(marker) && readFileSync(marker, 'utf8') === fingerprint
}

/** The Kafka broker's jars, as resolved from infra/kafka/pom.xml. Returns the libs folder. */
export async function ensureKafkaJars(): Promise<string> {
  const libs = join(stackConfig.kafka.dir, 'libs')
  const fingerprint = createHash('sha256').update(readFileSync(stackConfig.kafka.pom)).digest('hex')
  if (markerOk(libs, fingerprint)) return libs
  rmSync(libs, { recursive: true, force: true })
  await mvn(
    `Apache Kafka ${stackConfig.kafka.version}`,
    [
      '-q',
      '-f',
      stackConfig.kafka.pom,
      `${dependencyPlugin}:copy-dependencies`,
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    'fetch-kafka',
  )
  if (!readdirSync(libs).some((jar) => jar.startsWith('kafka_2.13-'))) {
    throw new StackError(`Maven finished but no kafka_2.13 jar is in ${libs}; remove that folder and retry.`)
  }
  writeFileSync(join(libs, '.fetched'), fingerprint)
  return libs
}

/** Apicurio Registry's published `all` archive, unpacked. Returns the folder holding quarkus-run.jar. */
export async function ensureRegistryApp(): Promise<string> {
  const { version, dir } = stackConfig.registry
  const app = join(dir, `apicurio-registry-${version}`)
  if (markerOk(app, version)) return app
  rmSync(app, { recursive: true, force: true })
  const download = join(dir, 'download')
  const artifact = `io.apicurio:apicurio-registry-app:${version}:tar.gz:all`
  await mvn(
    `Apicurio Registry ${version}`,
    ['-q', `${dependencyPlugin}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${download}`],
    'fetch-registry',
  )
  const archive = join(download, `apicurio-registry-app-${version}-all.tar.gz`)
  mkdirSync(app, { recursive: true })
  try {
    await run('tar', ['-xzf', archive, '-C', app])
  } catch (error) {
    throw new StackError(
      `could not unpack ${archive} (${(error as Error).message.split('\n')[0]}); remove ${dir} and retry.`,
    )
  }
  rmSync(download, { recursive: true, force: true })
  writeFileSync(join(app, '.fetched'), version)
  return app
}
