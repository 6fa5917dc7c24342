// The detached supervisor of one stack service: `node infra/stack/supervisor.ts <name>`, started by
// spawnSupervised with its spec in GRIMOS_SUPERVISE. It runs the service, restarts it with capped exponential
// backoff whenever it exits unasked, and keeps its state file current for `stack status` and `npm start`.
// SIGTERM stops the service (SIGKILL after the grace period), then the supervisor itself: nothing is restarted.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { describeExit } from './exit-reason.ts'
import { backoffDelay, crashLoopAfter, type SupervisorSpec, type SupervisorState, writeState } from './supervision.ts'

const raw = process.env.GRIMOS_SUPERVISE
if (!raw) {
  console.error('error: supervisor.ts is started by the stack (npm run stack -- up), not by hand')
  process.exit(2)
}
const spec = JSON.parse(raw) as SupervisorSpec
const { policy } = spec
// The service must not see our spec, nor think it is a supervisor.
const serviceEnv = { ...process.env }
delete serviceEnv.GRIMOS_SUPERVISE

let state: SupervisorState = {
  name: spec.name,
  supervisorPid: process.pid,
  phase: 'running',
  since: Date.now(),
  restarts: 0,
  recentRestarts: [],
  crashLoop: false,
  failuresInARow: 0,
}
let child: ChildProcess | undefined
let logOffset = 0
let stopping = false
let restartTimer: NodeJS.Timeout | undefined
let stableTimer: NodeJS.Timeout | undefined

function update(change: Partial<SupervisorState>): void {
  state = { ...state, ...change }
  writeState(spec.stateFile, state)
}

// stdout is the service's log file (opened by spawnSupervised): our notes sit next to what they explain.
function note(line: string): void {
  console.log(`[grimos-supervisor ${new Date().toISOString()}] ${spec.name} ${line}`)
}

function logSize(): number {
  try {
    return statSync(spec.logFile).size
  } catch (error) {
    // A log removed by hand is simply empty from here on.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
}

/** What this run of the service wrote, at most the last 64 KB: where V8 and the JVM say "out of memory". */
function logTailSinceStart(): string {
  const end = logSize()
  const start = Math.max(logOffset, end - 64 * 1024)
  if (end <= start) return ''
  const buffer = Buffer.alloc(end - start)
  const fd = openSync(spec.logFile, 'r')
  try {
    readSync(fd, buffer, 0, buffer.length, start)
  } finally {
    closeSync(fd)
  }
  return buffer.toString('utf8')
}

function start(): void {
  restartTimer = undefined
  logOffset = logSize()
  const out = openSync(spec.logFile, 'a')
  const run = spawn(spec.command, spec.args, { cwd: spec.cwd, env: serviceEnv, stdio: ['ignore', out, out] })
  closeSync(out)
  child = run
  let ended = false
  // A spawn failure emits 'error' and maybe 'exit' too: whichever comes first ends the run, once.
  const end = (code: number | null, signal: string | null, spawnError?: string) => {
    if (ended) return
    ended = true
    child = undefined
    exited(code, signal, spawnError)
  }
  run.on('error', (error: NodeJS.ErrnoException) => end(null, null, error.code ?? error.message))
  run.on('exit', (code, signal) => end(code, signal))
  update({ phase: 'running', pid: run.pid, since: Date.now(), nextStartAt: undefined })
  stableTimer = setTimeout(() => {
    // Up long enough: the next exit starts the backoff from the beginning, and a crash loop is over.
    if (state.failuresInARow > 0 || state.crashLoop) note('has stayed up; backoff reset')
    update({ failuresInARow: 0, crashLoop: false, recentRestarts: [] })
  }, policy.stableAfterMs)
}

function exited(code: number | null, signal: string | null, spawnError?: string): void {
  clearTimeout(stableTimer)
  if (stopping) finish()
  const now = Date.now()
  const { reason, outOfMemory } = describeExit({ code, signal, spawnError, logTail: logTailSinceStart() })
  const failuresInARow = now - state.since >= policy.stableAfterMs ? 1 : state.failuresInARow + 1
  const delay = backoffDelay(policy, failuresInARow)
  const loop = crashLoopAfter(policy, [...state.recentRestarts, now], now)
  const restarts = state.restarts + 1
  note(`exited unexpectedly: ${reason}; restart ${restarts} in ${delay} ms`)
  if (loop.crashLoop && !state.crashLoop) {
    note(`CRASH LOOP: ${loop.recent.length} restarts within ${Math.round(policy.crashLoopWindowMs / 1000)} s`)
  }
  update({
    phase: 'backoff',
    pid: undefined,
    since: now,
    restarts,
    recentRestarts: loop.recent,
    crashLoop: loop.crashLoop,
    lastExit: { at: now, reason, outOfMemory },
    nextStartAt: now + delay,
    failuresInARow,
  })
  restartTimer = setTimeout(start, delay)
}

function finish(): never {
  update({ phase: 'stopped', pid: undefined, since: Date.now(), nextStartAt: undefined })
  process.exit(0)
}

function stop(): void {
  if (stopping) return
  stopping = true
  clearTimeout(restartTimer)
  clearTimeout(stableTimer)
  const running = child
  if (!running) finish()
  update({ phase: 'stopping' })
  running.kill('SIGTERM')
  // Whatever ignores SIGTERM is killed; unref'd so a quick exit is not held back by this timer.
  setTimeout(() => running.kill('SIGKILL'), policy.stopGraceMs).unref()
}

process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('SIGHUP', stop)
process.on('uncaughtException', (error) => {
  // A supervisor bug must not leave an orphaned service: take it down and say so in the state.
  note(`failed: ${error.stack ?? error.message}`)
  child?.kill('SIGKILL')
  update({
    phase: 'stopped',
    pid: undefined,
    lastExit: { at: Date.now(), reason: `supervisor failed: ${error.message}`, outOfMemory: false },
  })
  process.exit(70)
})

start()
