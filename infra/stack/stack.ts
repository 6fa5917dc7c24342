import { ensureConsoleBuilt } from '../../console/web/build.ts'
import type { Component } from './component.ts'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'
import { kafkaComponents, kafkaNodeNames } from './kafka.ts'
import { logFile, requireFreePorts, runningPid, stopProcess, waitFor, writePidFile } from './processes.ts'
import { registryComponent } from './registry.ts'
import { authServiceComponent, consoleComponent, eventConsumerComponent } from './services.ts'
import {
  defaultPolicy,
  type RestartPolicy,
  readState,
  type SupervisorState,
  spawnSupervised,
  stateFile,
} from './supervision.ts'

function ignoreProgress(_line: string): void {
  // Callers that do not print progress still get errors thrown.
}

/** In start order; `down` walks it backwards. */
export const components: Component[] = [
  ...kafkaComponents,
  registryComponent,
  authServiceComponent,
  eventConsumerComponent,
  consoleComponent,
]

/** What the test suite and the benchmarks need: the broker and the registry (they run the services in process). */
export const infrastructure = [...kafkaNodeNames, 'registry']

export interface ComponentState {
  name: string
  description: string
  /** The service's own pid (the supervisor's while it has not said yet). */
  pid: number | undefined
  healthy: boolean
  /** Restarts, last exit, crash loop: undefined when not running under a supervisor. */
  supervision: SupervisorState | undefined
}

/** Every component's state; `list` lets tests use stand-in components. */
export async function status(list: Component[] = components): Promise<ComponentState[]> {
  return Promise.all(
    list.map(async (component) => {
      const supervisorPid = runningPid(component.name)
      const supervision = supervisorPid === undefined ? undefined : readState(stateFile(component.name))
      const pid = supervision && supervision.supervisorPid === supervisorPid ? supervision.pid : supervisorPid
      const healthy = pid !== undefined && (await component.isHealthy().catch(() => false))
      return { name: component.name, description: component.describe(), pid, healthy, supervision }
    }),
  )
}

export function policyOf(component: Component): RestartPolicy {
  return { ...defaultPolicy, ...component.supervision }
}

/**
 * Why waiting for a component to become healthy is pointless: it crash-loops while we wait. A crash loop from
 * before (a component already running) does not count until it exits again.
 */
function crashLoopTrouble(name: string, supervisorPid: number): () => string | undefined {
  const read = () => {
    const state = readState(stateFile(name))
    return state?.supervisorPid === supervisorPid ? state : undefined
  }
  const restartsBefore = read()?.restarts ?? 0
  return () => {
    const state = read()
    if (!state?.crashLoop || state.restarts <= restartsBefore) return undefined
    return `keeps exiting while starting (${state.restarts} restarts, last: ${state.lastExit?.reason ?? 'unknown'})`
  }
}

/** Consecutive components that start together (same `startsWith`) form one batch; the others one each. */
function batches(list: Component[]): Component[][] {
  const result: Component[][] = []
  for (const component of list) {
    const last = result.at(-1)
    if (component.startsWith && last?.[0]?.startsWith === component.startsWith) last.push(component)
    else result.push([component])
  }
  return result
}

/**
 * Brings every component up under a supervisor, reusing those already running (idempotent).
 * Returns the names of the components this call started, so a caller can stop just those.
 */
export async function up(
  onProgress: (line: string) => void = ignoreProgress,
  /** Default: every component of `list`. */
  only?: string[],
  /** Filled as components start, so a caller interrupted mid-way (Ctrl-C) knows what to stop. */
  started: string[] = [],
  list: Component[] = components,
): Promise<string[]> {
  const chosen = list.filter((c) => (only ?? list.map((each) => each.name)).includes(c.name))
  // The console serves console/web/dist: built here when missing or stale, so no one runs a build by hand.
  if (chosen.some((c) => c.name === 'console')) await ensureConsoleBuilt({ onProgress })
  for (const batch of batches(chosen)) {
    const waits: { component: Component; pid: number; reused: boolean; trouble: () => string | undefined }[] = []
    try {
      for (const component of batch) {
        const { name } = component
        const existing = runningPid(name)
        if (existing !== undefined) {
          onProgress(`${name}: already running (pid ${existing}), waiting until healthy`)
          waits.push({ component, pid: existing, reused: true, trouble: crashLoopTrouble(name, existing) })
          continue
        }
        await requireFreePorts(name, component.ports)
        onProgress(`${name}: preparing${component.downloads ? ` (a first run downloads ${component.downloads})` : ''}`)
        const spec = await component.launch()
        const pid = spawnSupervised({ name, ...spec }, policyOf(component), logFile(name))
        writePidFile(name, pid)
        started.push(name)
        onProgress(`${name}: started under a supervisor (pid ${pid}), log ${logFile(name)}`)
        waits.push({ component, pid, reused: false, trouble: crashLoopTrouble(name, pid) })
      }
      for (const { component, pid, reused, trouble } of waits) {
        const { name } = component
        await waitFor(name, component.isHealthy, stackConfig.readyTimeoutMs, pid, trouble)
        if (!reused) onProgress(`${name}: healthy`)
      }
      for (const { component } of waits) await component.afterHealthy?.()
    } catch (error) {
      // All or nothing: what this call started is stopped again, so a failed start leaves no process behind.
      await down(started, list)
      throw error
    }
  }
  return started
}

/**
 * Stops the named components (all by default) in reverse start order. Returns those it stopped.
 * Each stop goes through the supervisor, which restarts nothing once asked to stop.
 */
export async function down(
  /** Default: every component of `list`. */
  names?: string[],
  list: Component[] = components,
): Promise<string[]> {
  const stopped: string[] = []
  for (const batch of batches([...list].reverse())) {
    const chosen = batch.filter((component) => !names || names.includes(component.name))
    // The nodes of a cluster stop together: one by one, the last would lose its quorum and hang in controlled
    // shutdown until its SIGKILL (30 s later, and an unclean log on the next start).
    const results = await Promise.all(
      chosen.map(async (component) => ({
        name: component.name,
        wasRunning: await stopProcess(component.name, policyOf(component).stopGraceMs),
      })),
    )
    for (const { name, wasRunning } of results) if (wasRunning) stopped.push(name)
  }
  return stopped
}

export function componentNamed(name: string): Component {
  const component = components.find((c) => c.name === name)
  if (!component)
    throw new StackError(`unknown component "${name}"; known: ${components.map((c) => c.name).join(', ')}`)
  return component
}
