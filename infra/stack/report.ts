import { readState, type SupervisorState, stateFile } from './supervision.ts'

// What a person sees of supervision: one status line per component, and the console lines `npm start` prints
// while the stack runs (restarts and crash loops, not only in a log file).

function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 120) return `${seconds} s ago`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`
  return `at ${new Date(at).toLocaleTimeString()}`
}

function secondsUntil(at: number | undefined, now = Date.now()): number {
  return Math.max(0, Math.ceil(((at ?? now) - now) / 1000))
}

function restartsText(state: SupervisorState, now: number): string {
  if (state.restarts === 0) return ''
  const last = state.lastExit ? `, last: ${state.lastExit.reason} ${ago(state.lastExit.at, now)}` : ''
  return `, ${state.restarts} restart${state.restarts === 1 ? '' : 's'}${last}`
}

/**
 * e.g. "event-consumer: up, 3 restarts, last: exit 134 (out of memory) 12 s ago" or
 * "event-consumer: CRASH LOOP (restarting in 8 s), 5 restarts, last: signal SIGKILL (…) 1 s ago".
 */
export function statusLine(
  component: { name: string; pid: number | undefined; healthy: boolean; supervision?: SupervisorState },
  now = Date.now(),
): string {
  const state = component.supervision
  let word: string
  if (!component.pid && !state) word = 'down'
  else if (state?.phase === 'backoff') {
    word = `restarting in ${secondsUntil(state.nextStartAt, now)} s`
  } else if (state?.phase === 'stopping') word = 'stopping'
  else if (state?.phase === 'stopped') word = 'down'
  else word = component.healthy ? 'up' : 'unready'
  if (state?.crashLoop) word = `CRASH LOOP (${word})`
  return `${component.name}: ${word}${state ? restartsText(state, now) : ''}`
}

/** The console line for a newly seen crash loop: names the service, the count, the last reason, and the log. */
export function crashLoopLine(state: SupervisorState, windowMs: number): string {
  return (
    `CRASH LOOP: ${state.name} exited ${state.recentRestarts.length} times within ${Math.round(windowMs / 1000)} s` +
    ` (last: ${state.lastExit?.reason ?? 'unknown'}); still retrying with backoff.` +
    ` See: npm run stack -- logs ${state.name}`
  )
}

/**
 * Polls the supervisors' state files and reports each restart and each crash loop as it happens.
 * Returns a function that stops watching.
 */
export function watchSupervisors(
  names: string[],
  crashLoopWindowMs: (name: string) => number,
  onLine: (line: string, severity: 'info' | 'alarm') => void,
  intervalMs = 1_000,
): () => void {
  const seen = new Map<string, { supervisorPid: number; restarts: number; crashLoop: boolean }>()
  const poll = () => {
    for (const name of names) {
      let state: SupervisorState | undefined
      try {
        state = readState(stateFile(name))
      } catch (error) {
        onLine(`${name}: ${(error as Error).message}`, 'alarm')
        continue
      }
      if (!state) continue
      const before = seen.get(name)
      // A new supervisor (down, then up from another shell) starts its counts afresh.
      const known = before?.supervisorPid === state.supervisorPid ? before : undefined
      if (known && state.restarts > known.restarts && state.lastExit) {
        const next = state.phase === 'backoff' ? `; next start in ${secondsUntil(state.nextStartAt)} s` : ''
        onLine(`${name} exited unexpectedly (restart ${state.restarts}): ${state.lastExit.reason}${next}`, 'info')
      }
      if (state.crashLoop && !known?.crashLoop) onLine(crashLoopLine(state, crashLoopWindowMs(name)), 'alarm')
      if (known?.crashLoop && !state.crashLoop) onLine(`${name} has stayed up again: crash loop over`, 'info')
      seen.set(name, { supervisorPid: state.supervisorPid, restarts: state.restarts, crashLoop: state.crashLoop })
    }
  }
  poll()
  const timer = setInterval(poll, intervalMs)
  return () => clearInterval(timer)
}
