import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiBackend, CliError } from './api-backend.ts'
import type { Backend } from './backend.ts'
import { DirectBackend } from './direct-backend.ts'

// Which way the CLI goes: the console's API when one answers at GRIMOS_CONSOLE_URL (default: this checkout's
// console port) and credentials are known; else directly to Kafka, the registry and the console's database, with
// the stack's operator credentials unless the environment names others. `--api` / `--direct` force a way.
// The environment is read here and in main.ts only.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const stateDir = () => process.env.GRIMOS_STATE_DIR ?? join(repoRoot, '.grimos')

export interface CliEnvironment {
  consoleUrl: string
  username: string
  password: string | undefined
}

export function cliEnvironment(env = process.env): CliEnvironment {
  const port = env.GRIMOS_CONSOLE_PORT ?? '3003'
  const passwordFile = env.GRIMOS_CONSOLE_PASSWORD_FILE ?? join(stateDir(), 'secrets', 'console-admin.password')
  const fromFile = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : undefined
  return {
    consoleUrl: env.GRIMOS_CONSOLE_URL ?? `http://127.0.0.1:${port}`,
    username: env.GRIMOS_CONSOLE_USER ?? 'admin',
    password: env.GRIMOS_CONSOLE_PASSWORD ?? fromFile,
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/health/live`, { signal: AbortSignal.timeout(1500) })
    return response.ok
  } catch {
    // Nothing listens there (or not in time): the CLI goes direct (connect() says so when a URL was set).
    return false
  }
}

/** The stack's operator credentials and addresses, for what the environment leaves unset. */
async function useStackCredentials(): Promise<void> {
  const env = process.env
  if (!env.KAFKA_SASL_USERNAME && !env.KAFKA_SECURITY_PROTOCOL) {
    const security = await import('../../../infra/stack/security.ts')
    if (existsSync(join(stateDir(), 'secrets', 'kafka-operator.password')) || security.listenerMode() === 'PLAINTEXT')
      Object.assign(env, security.clientEnv('operator'))
  }
  if (!env.KAFKA_BOOTSTRAP_SERVERS || !env.SCHEMA_REGISTRY_URL) {
    const config = await import('../../../infra/stack/config.ts')
    env.KAFKA_BOOTSTRAP_SERVERS ??= config.kafkaBootstrap
    env.SCHEMA_REGISTRY_URL ??= config.registryUrl
  }
}

/** The pid of this checkout's running console, if any: PGlite admits one process, so direct mode then stops. */
function runningConsole(): number | undefined {
  const file = join(stateDir(), 'run', 'console.state.json')
  if (!existsSync(file)) return undefined
  const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid
  if (typeof pid !== 'number') return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    // No such process: the state file is left over from a console that stopped.
    return undefined
  }
}

export async function connect(force: 'api' | 'direct' | undefined, env = cliEnvironment()): Promise<Backend> {
  if (force !== 'direct') {
    const reachable = force === 'api' || (await answers(env.consoleUrl))
    if (reachable && env.password !== undefined) return new ApiBackend(env.consoleUrl, env.username, env.password)
    if (force === 'api')
      throw new CliError(
        `no password for the console at ${env.consoleUrl} (set GRIMOS_CONSOLE_PASSWORD or GRIMOS_CONSOLE_PASSWORD_FILE)`,
      )
    // Going direct is the normal way without a console; a console that was named but not used is said, once.
    if (process.env.GRIMOS_CONSOLE_URL)
      process.stderr.write(
        reachable
          ? `grimos: no password for the console at ${env.consoleUrl}; going directly to Kafka\n`
          : `grimos: no console answers at ${env.consoleUrl}; going directly to Kafka\n`,
      )
  }
  await useStackCredentials()
  const url = process.env.DATABASE_URL
  return new DirectBackend(
    {
      url,
      dataDir: url ? undefined : join(stateDir(), 'console', 'db'),
      schema: process.env.GRIMOS_CONSOLE_DATABASE_SCHEMA ?? 'grimos_console',
    },
    () => {
      const pid = url ? undefined : runningConsole()
      if (pid !== undefined)
        throw new CliError(
          `the console runs (pid ${pid}) and holds its embedded database: use it (drop --direct, set GRIMOS_CONSOLE_PASSWORD) or stop it`,
        )
    },
  )
}
