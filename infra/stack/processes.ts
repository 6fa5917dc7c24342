import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'

// Background processes of the stack: started detached in their own process group, tracked by pid files,
// so `stack down` can find them from another shell and no java process is left behind.

const pidFile = (name: string) => join(stackConfig.runDir, `${name}.pid`)
export const logFile = (name: string) => join(stackConfig.logsDir, `${name}.log`)

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM means it exists but belongs to someone else: alive, though not ours to manage.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function runningPid(name: string): number | undefined {
  const file = pidFile(name)
  if (!existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').trim())
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid
  rmSync(file, { force: true })
  return undefined
}

export interface SpawnSpec {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  cwd?: string
}

export function spawnBackground(spec: SpawnSpec): number {
  mkdirSync(stackConfig.logsDir, { recursive: true })
  mkdirSync(stackConfig.runDir, { recursive: true })
  const out = openSync(logFile(spec.name), 'a')
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? stackConfig.repoRoot,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  if (child.pid === undefined)
    throw new StackError(`could not start ${spec.name} (${spec.command}); see ${logFile(spec.name)}`)
  child.unref()
  writeFileSync(pidFile(spec.name), String(child.pid))
  return child.pid
}

/** SIGTERM the process group, then SIGKILL whatever is still there after `graceMs`. */
export async function stopProcess(name: string, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(name)
  if (pid === undefined) return false
  signalGroup(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && isAlive(pid)) await sleep(200)
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL')
    while (isAlive(pid)) await sleep(100)
  }
  rmSync(pidFile(name), { force: true })
  return true
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    // ESRCH: the group is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

export function isPortFree(port: number, host = stackConfig.host): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

export async function requireFreePorts(component: string, ports: Record<string, number>): Promise<void> {
  for (const [envName, port] of Object.entries(ports)) {
    if (!(await isPortFree(port))) {
      throw new StackError(
        `port ${port} on ${stackConfig.host} is already in use, so ${component} cannot start: stop whatever holds it (ss -ltnp 'sport = :${port}') or set ${envName} to another port.`,
      )
    }
  }
}

/** Polls `check` until it returns true; a check that throws just means "not yet". */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, pid?: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new StackError(`${what} exited during start-up; see ${logFile(what)}`)
    if (await check().catch(() => false)) return
    await sleep(500)
  }
  throw new StackError(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s; see ${logFile(what)}`)
}
