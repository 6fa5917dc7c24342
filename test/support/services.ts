// The grimOS services as child processes of a fault case: their own main.ts, as `npm start` runs them, with the
// environment the case gives (ports, schemas, DATABASE_URL, topic). A child process can be SIGKILLed, and its
// failures (a hang, an exit) are the service's own, not the test runner's.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stackConfig } from '../../infra/stack/config.ts'
import { waitUntil } from './chaos.ts'

/**
 * A fault case is load from one address: the auth-service's per-address limits (tested in its own suite) would
 * answer 429 to most of it. A case that wants them passes its own values.
 */
const unlimited = {
  REGISTRATION_RATE_LIMIT_MAX: '1000000',
  LOGIN_RATE_LIMIT_MAX: '1000000',
  LOGIN_RATE_LIMIT_PER_ADDRESS_MAX: '1000000',
}

export interface Service {
  name: string
  proc: ChildProcess
  url: string
  logPath: string
}

/** Starts services/<name>/src/main.ts with `env` (PORT included) and resolves once /health/ready answers 200. */
export async function startService(name: string, env: Record<string, string>, logDir: string): Promise<Service> {
  const logPath = join(logDir, `${name}.log`)
  const out = openSync(logPath, 'a')
  const proc = spawn(process.execPath, [join(stackConfig.repoRoot, 'services', name, 'src', 'main.ts')], {
    env: { ...process.env, ...(name === 'auth-service' ? unlimited : {}), ...env },
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const url = `http://127.0.0.1:${env.PORT}`
  const ready = await waitUntil(
    () =>
      proc.exitCode === null &&
      fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      ),
    60_000,
    250,
  )
  if (!ready) {
    proc.kill('SIGKILL')
    throw new Error(`${name} not ready after 60 s: ${readFileSync(logPath, 'utf8').slice(-2_000)}`)
  }
  return { name, proc, url, logPath }
}

/** SIGTERM (the service's own ordered shutdown), SIGKILL after 20 s. */
export async function stopService(service: Service): Promise<void> {
  if (service.proc.exitCode !== null || service.proc.signalCode !== null) return
  const exited = new Promise((resolve) => service.proc.once('exit', resolve))
  service.proc.kill('SIGTERM')
  if ((await Promise.race([exited, sleep(20_000, 'timeout')])) === 'timeout') {
    service.proc.kill('SIGKILL')
    await exited
  }
}

export interface HttpAnswer {
  status: number
  body: unknown
  ms: number
}

/**
 * One JSON request; a request with no answer within `timeoutMs` resolves with status 0 (a hang, counted by the
 * caller), and one whose connection fails with status -1.
 */
export async function call(
  method: string,
  url: string,
  options: { body?: unknown; requestId?: string; token?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'user-agent': 'grimos-chaos/1.0' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.requestId) headers['x-request-id'] = options.requestId
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const started = performance.now()
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      // Not JSON: kept as text for the report.
    }
    return { status: response.status, body, ms: performance.now() - started }
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError'
    return { status: timedOut ? 0 : -1, body: (error as Error).message, ms: performance.now() - started }
  }
}

/** POST with a JSON body, as the consumer-kill case sends its registrations and logins. */
export async function post(url: string, body: unknown, requestId?: string): Promise<{ status: number; body: unknown }> {
  const answer = await call('POST', url, { body, requestId })
  if (answer.status <= 0) throw new Error(`POST ${url}: ${String(answer.body)}`)
  return answer
}
