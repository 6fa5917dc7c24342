import type { Component } from './component.ts'
import { stackConfig } from './config.ts'
import { StackError } from './errors.ts'
import { kafkaComponent } from './kafka.ts'
import { logFile, requireFreePorts, runningPid, spawnBackground, stopProcess, waitFor } from './processes.ts'
import { registryComponent } from './registry.ts'
import { authServiceComponent, eventConsumerComponent } from './services.ts'

function ignoreProgress(_line: string): void {
  // Callers that do not print progress still get errors thrown.
}

/** In start order; `down` walks it backwards. */
export const components: Component[] = [kafkaComponent, registryComponent, authServiceComponent, eventConsumerComponent]

/** What the test suite and the benchmarks need: the broker and the registry (they run the services in process). */
export const infrastructure = ['kafka', 'registry']

export interface ComponentState {
  name: string
  description: string
  pid: number | undefined
  healthy: boolean
}

export async function status(): Promise<ComponentState[]> {
  return Promise.all(
    components.map(async (component) => {
      const pid = runningPid(component.name)
      const healthy = pid !== undefined && (await component.isHealthy().catch(() => false))
      return { name: component.name, description: component.describe(), pid, healthy }
    }),
  )
}

/**
 * Brings every component up, reusing those already running (idempotent).
 * Returns the names of the components this call started, so a caller can stop just those.
 */
export async function up(
  onProgress: (line: string) => void = ignoreProgress,
  only: string[] = components.map((c) => c.name),
  /** Filled as components start, so a caller interrupted mid-way (Ctrl-C) knows what to stop. */
  started: string[] = [],
): Promise<string[]> {
  for (const component of components.filter((c) => only.includes(c.name))) {
    const existing = runningPid(component.name)
    if (existing !== undefined) {
      onProgress(`${component.name}: already running (pid ${existing}), waiting until healthy`)
      await waitFor(component.name, component.isHealthy, stackConfig.readyTimeoutMs, existing)
      continue
    }
    try {
      await requireFreePorts(component.name, component.ports)
      onProgress(
        `${component.name}: preparing${component.downloads ? ` (a first run downloads ${component.downloads})` : ''}`,
      )
      const spec = await component.launch()
      const pid = spawnBackground({ name: component.name, ...spec })
      started.push(component.name)
      onProgress(`${component.name}: started (pid ${pid}), log ${logFile(component.name)}`)
      await waitFor(component.name, component.isHealthy, stackConfig.readyTimeoutMs, pid)
    } catch (error) {
      // All or nothing: what this call started is stopped again, so a failed start leaves no process behind.
      await down(started)
      throw error
    }
    onProgress(`${component.name}: healthy`)
  }
  return started
}

/** Stops the named components (all by default) in reverse start order. Returns those it stopped. */
export async function down(names: string[] = components.map((c) => c.name)): Promise<string[]> {
  const stopped: string[] = []
  for (const component of [...components].reverse()) {
    if (!names.includes(component.name)) continue
    if (await stopProcess(component.name)) stopped.push(component.name)
  }
  return stopped
}

export function componentNamed(name: string): Component {
  const component = components.find((c) => c.name === name)
  if (!component)
    throw new StackError(`unknown component "${name}"; known: ${components.map((c) => c.name).join(', ')}`)
  return component
}
