import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'

// Shared by the CLI and the detached supervisor (supervisor.ts): the restart policy, the state file the
// supervisor writes and `status` reads, and how the CLI starts a supervisor. No imports of components, so the
// supervisor stays a small generic process.

export interface RestartPolicy {
  /** First wait before a restart; it doubles after each exit in a row. */
  initialDelayMs: number
  maxDelayMs: number
  /** A run at least this long counts as healthy: the next backoff starts again from initialDelayMs. */
  stableAfterMs: number
  /** This many restarts within crashLoopWindowMs is a crash loop. */
  crashLoopRestarts: number
  crashLoopWindowMs: number
  /** How long a service gets to stop after SIGTERM before SIGKILL. */
  stopGraceMs: number
}

export const defaultPolicy: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  crashLoopRestarts: 3,
  crashLoopWindowMs: 60_000,
  stopGraceMs: 30_000,
}

/** What the CLI hands to a supervisor (as JSON in GRIMOS_SUPERVISE; the service's env rides in the process env). */
export interface SupervisorSpec {
  name: string
  command: string
  args: string[]
  cwd: string
  logFile: string
  stateFile: string
  policy: RestartPolicy
}

export type Phase = 'running' | 'backoff' | 'stopping' | 'stopped'

export interface LastExit {
  at: number
  reason: string
  outOfMemory: boolean
}

export interface SupervisorState {
  name: string
  supervisorPid: number
  phase: Phase
  /** The service's own pid while it runs. */
  pid?: number
  /** When the current phase began (for `running`: when this run of the service started). */
  since: number
  restarts: number
  /** Restart times within the crash-loop window. */
  recentRestarts: number[]
  crashLoop: boolean
  lastExit?: LastExit
  /** While in backoff: when the next start is due. */
  nextStartAt?: number
  /** Exits in a row without a stable run; drives the backoff. */
  failuresInARow: number
}

export const stateFile = (name: string) => join(stackConfig.runDir, `${name}.state.json`)

/** Backoff before restart number `failuresInARow` (1 for the first exit): doubling, capped. */
export function backoffDelay(policy: RestartPolicy, failuresInARow: number): number {
  const doublings = Math.min(Math.max(failuresInARow - 1, 0), 30)
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** doublings)
}

/** Keeps the restart times inside the window and says whether they make a crash loop. */
export function crashLoopAfter(
  policy: RestartPolicy,
  recent: number[],
  now: number,
): { recent: number[]; crashLoop: boolean } {
  const kept = recent.filter((at) => now - at < policy.crashLoopWindowMs)
  return { recent: kept, crashLoop: kept.length >= policy.crashLoopRestarts }
}

export function writeState(file: string, state: SupervisorState): void {
  // Write then rename: a reader never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(state)}\n`)
  renameSync(temporary, file)
}

export function readState(file: string): SupervisorState | undefined {
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SupervisorState
  } catch (error) {
    // Removed between the two calls by a new supervisor starting: no state yet.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    // Renamed into place atomically, so this is a damaged file: report it rather than guess.
    throw new StackError(`cannot read supervisor state ${file} (${(error as Error).message}); remove it and retry.`)
  }
}

const supervisorEntry = join(dirname(fileURLToPath(import.meta.url)), 'supervisor.ts')

/**
 * Starts a detached supervisor for one service; it starts the service and restarts it when it exits.
 * The supervisor leads its own process group and the service stays in it, so stopping the group leaves nothing.
 * Returns the supervisor's pid.
 */
export function spawnSupervised(
  spec: { name: string; command: string; args: string[]; env?: Record<string, string>; cwd?: string },
  policy: RestartPolicy,
  logFile: string,
): number {
  mkdirSync(dirname(logFile), { recursive: true })
  mkdirSync(stackConfig.runDir, { recursive: true })
  const full: SupervisorSpec = {
    name: spec.name,
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd ?? stackConfig.repoRoot,
    logFile,
    stateFile: stateFile(spec.name),
    policy,
  }
  // The last run's state would otherwise show until the new supervisor writes its own.
  rmSync(full.stateFile, { force: true })
  const out = openSync(logFile, 'a')
  const child = spawn(process.execPath, [supervisorEntry, spec.name], {
    cwd: full.cwd,
    env: { ...process.env, ...spec.env, GRIMOS_SUPERVISE: JSON.stringify(full) },
    detached: true,
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  if (child.pid === undefined) throw new StackError(`could not start the supervisor of ${spec.name}; see ${logFile}`)
  child.unref()
  return child.pid
}
