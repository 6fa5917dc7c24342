import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'

// Background processes of the stack: each runs under a detached supervisor (supervisor.ts) that leads its own
// process group. Pid files name the supervisors, so `stack down` can find them from another shell and no java
// process is left behind.

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
  // Kept while the group lives (a supervisor killed by hand, its service still up), so `down` can still stop it.
  if (Number.isInteger(pid) && pid > 0 && groupAlive(pid)) return undefined
  rmSync(file, { force: true })
  return undefined
}

export function writePidFile(name: string, pid: number): void {
  mkdirSync(stackConfig.runDir, { recursive: true })
  writeFileSync(pidFile(name), String(pid))
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Stops what the pid file names: a supervisor, which stops its service and so restarts nothing, or (from an
 * older checkout) the service itself. SIGTERM to the leader alone first, so the supervisor decides the order;
 * SIGKILL to the whole process group after `graceMs`; returns once no process of the group is left.
 */
export async function stopProcess(name: string, graceMs = 30_000): Promise<boolean> {
  const file = pidFile(name)
  if (!existsSync(file)) return false
  const pid = Number(readFileSync(file, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) {
    rmSync(file, { force: true })
    return false
  }
  // A supervisor killed by hand leaves its service running in the group: that still counts as running.
  const wasRunning = isAlive(pid) || groupAlive(pid)
  if (isAlive(pid)) {
    signal(pid, 'SIGTERM')
    // The supervisor waits graceMs for its service; give it a little longer before taking over.
    const deadline = Date.now() + graceMs + 5_000
    while (Date.now() < deadline && isAlive(pid)) await sleep(100)
  } else if (groupAlive(pid)) {
    // No supervisor to ask: the orphaned service still gets its chance to stop cleanly.
    signalGroup(pid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    while (Date.now() < deadline && groupAlive(pid)) await sleep(100)
  }
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL')
    while (groupAlive(pid)) await sleep(100)
  }
  rmSync(file, { force: true })
  return wasRunning
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    // ESRCH: it is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
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

/**
 * Polls `check` until it returns true; a check that throws just means "not yet".
 * `trouble` says why waiting is pointless (e.g. a crash loop); `pid` is the process that must stay alive.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  pid?: number,
  trouble?: () => string | undefined,
) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new StackError(`${what} exited during start-up; see ${logFile(what)}`)
    const problem = trouble?.()
    if (problem) throw new StackError(`${what} ${problem}; see ${logFile(what)}`)
    if (await check().catch(() => false)) return
    await sleep(250)
  }
  throw new StackError(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s; see ${logFile(what)}`)
}
