import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { Component } from '../stack/component.ts'
import type { RestartPolicy } from '../stack/supervision.ts'

// The stack's supervisors, proven with a stand-in service that crashes on purpose (fixtures/flaky-service.ts):
// no broker, no ports, a private state dir. Short backoffs keep every case within a few seconds.
const stateDir = mkdtempSync(join(tmpdir(), 'grimos-supervise-'))
process.env.GRIMOS_STATE_DIR = stateDir
const { describeExit } = await import('../stack/exit-reason.ts')
const { backoffDelay, crashLoopAfter, defaultPolicy, readState, stateFile } = await import('../stack/supervision.ts')
const { isAlive, logFile, runningPid } = await import('../stack/processes.ts')
const { down, status, up } = await import('../stack/stack.ts')
const { statusLine, watchSupervisors } = await import('../stack/report.ts')

const fixture = fileURLToPath(new URL('./fixtures/flaky-service.ts', import.meta.url))
const everyone: Component[] = []
const scratch: string[] = [stateDir]
after(async () => {
  await down(undefined, everyone)
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

function standIn(name: string, plan: string, policy: Partial<RestartPolicy>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `grimos-${name}-`))
  scratch.push(dir)
  const component: Component = {
    name,
    describe: () => 'stand-in',
    ports: {},
    supervision: { stableAfterMs: 10_000, crashLoopRestarts: 10, ...policy },
    launch: async () => ({
      command: process.execPath,
      args: [fixture],
      env: { STANDIN_DIR: dir, STANDIN_PLAN: plan, ...env },
    }),
    isHealthy: async () => existsSync(join(dir, 'ready')) && isAlive(Number(readFileSync(join(dir, 'ready'), 'utf8'))),
  }
  everyone.push(component)
  const runs = () =>
    existsSync(join(dir, 'runs'))
      ? readFileSync(join(dir, 'runs'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' ').map(Number) as [number, number])
      : []
  return { component, runs }
}

async function assertNothingLeft(name: string, pids: number[], runCount: () => number, waitMs: number) {
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`)
  assert.equal(runningPid(name), undefined, 'no pid file')
  const before = runCount()
  await sleep(waitMs)
  assert.equal(runCount(), before, 'nothing was restarted after down')
}

test('exit reasons name signals and out of memory', () => {
  const oomText = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'
  assert.equal(describeExit({ code: 134, signal: null, logTail: oomText }).reason, 'exit 134 (out of memory)')
  assert.equal(
    describeExit({ code: null, signal: 'SIGABRT', logTail: oomText }).reason,
    'signal SIGABRT (out of memory)',
  )
  assert.equal(
    describeExit({ code: null, signal: 'SIGABRT', logTail: '' }).reason,
    'signal SIGABRT (aborted; often out of memory, see the log)',
  )
  assert.equal(
    describeExit({ code: 137, signal: null }).reason,
    "exit 137 (killed: kill -9 or the kernel's OOM killer)",
  )
  assert.equal(describeExit({ code: 143, signal: null }).reason, 'exit 143 (SIGTERM)')
  assert.equal(describeExit({ code: 1, signal: null, logTail: 'Error: boom' }).reason, 'exit 1')
  assert.equal(
    describeExit({ code: 3, signal: null, logTail: 'Terminating due to java.lang.OutOfMemoryError: Java heap space' })
      .outOfMemory,
    true,
  )
  assert.equal(describeExit({ code: null, signal: null, spawnError: 'ENOENT' }).reason, 'could not start (ENOENT)')
})

test('backoff doubles from 1 s and stops at 30 s; three restarts in a minute are a crash loop', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(defaultPolicy, n)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
  )
  const now = 100_000
  assert.equal(crashLoopAfter(defaultPolicy, [now - 30_000, now - 10_000, now], now).crashLoop, true)
  const spread = crashLoopAfter(defaultPolicy, [now - 70_000, now - 10_000, now], now)
  assert.deepEqual(spread, { recent: [now - 10_000, now], crashLoop: false })
})

test('a crashing service is restarted with capped backoff, and status names the last exit', async () => {
  const policy = { initialDelayMs: 200, maxDelayMs: 500 }
  const { component, runs } = standIn('standin-backoff', 'exit:3,sigkill,oom,stay', policy)
  await up(undefined, undefined, [], [component])

  const state = readState(stateFile('standin-backoff'))
  assert.equal(state?.restarts, 3)
  assert.equal(state?.phase, 'running')
  const [line] = (await status([component])).map((s) => statusLine(s))
  assert.match(line as string, /^standin-backoff: up, 3 restarts, last: exit 134 \(out of memory\) \d+ s ago$/)

  // The supervisor's notes in the log: each reason, and waits of 200, 400, then 500 ms (the cap, not 800).
  const notes = readFileSync(logFile('standin-backoff'), 'utf8')
  const restarts = [...notes.matchAll(/exited unexpectedly: (.*); restart (\d+) in (\d+) ms/g)]
  assert.deepEqual(
    restarts.map((m) => [m[1], Number(m[3])]),
    [
      ['exit 3', 200],
      ["signal SIGKILL (killed: kill -9 or the kernel's OOM killer)", 400],
      ['exit 134 (out of memory)', 500],
    ],
  )
  const starts = runs().map(([, at]) => at)
  assert.equal(starts.length, 4)
  for (const [i, wait] of [200, 400, 500].entries()) {
    const gap = (starts[i + 1] as number) - (starts[i] as number)
    assert.ok(gap >= wait, `run ${i + 1} started ${gap} ms after run ${i}, at least the ${wait} ms backoff`)
  }

  const supervisor = runningPid('standin-backoff') as number
  assert.deepEqual(await down(['standin-backoff'], [component]), ['standin-backoff'])
  assert.equal(readState(stateFile('standin-backoff'))?.phase, 'stopped')
  await assertNothingLeft('standin-backoff', [supervisor, ...runs().map(([pid]) => pid)], () => runs().length, 800)
})

test('a real V8 heap exhaustion is named out of memory', async () => {
  const { component, runs } = standIn('standin-oom', 'real-oom,stay', { initialDelayMs: 50 })
  // Through sh only to switch core dumps off: V8 aborts, and a core file of a test run helps nobody.
  const launch = component.launch
  component.launch = async () => {
    const spec = await launch()
    return {
      ...spec,
      command: 'sh',
      args: ['-c', 'ulimit -c 0; exec "$0" --max-old-space-size=16 "$1"', spec.command, ...spec.args],
    }
  }
  await up(undefined, undefined, [], [component])
  const state = readState(stateFile('standin-oom'))
  assert.equal(state?.lastExit?.outOfMemory, true)
  assert.match(state?.lastExit?.reason ?? '', /^signal SIGABRT \(out of memory\)$/)
  await down(['standin-oom'], [component])
  await assertNothingLeft(
    'standin-oom',
    runs().map(([pid]) => pid),
    () => runs().length,
    100,
  )
})

test('a crash loop is reported as it happens, shown in status, and down stops it for good', async () => {
  const policy = { initialDelayMs: 50, maxDelayMs: 200, crashLoopRestarts: 3, crashLoopWindowMs: 60_000 }
  const { component, runs } = standIn('standin-loop', 'crash-later:70', policy)
  const lines: [string, string][] = []
  const unwatch = watchSupervisors(
    ['standin-loop'],
    () => 60_000,
    (line, severity) => lines.push([severity, line]),
    50,
  )
  try {
    await up(undefined, undefined, [], [component])
    const deadline = Date.now() + 15_000
    while (!lines.some(([severity]) => severity === 'alarm') && Date.now() < deadline) await sleep(50)
  } finally {
    unwatch()
  }
  const alarm = lines.find(([severity]) => severity === 'alarm')
  assert.ok(alarm, `a crash-loop line, got ${JSON.stringify(lines)}`)
  assert.match(
    alarm[1],
    /^CRASH LOOP: standin-loop exited 3 times within 60 s \(last: exit 70\); still retrying with backoff\. See: npm run stack -- logs standin-loop$/,
  )
  assert.ok(
    lines.some(([, line]) => /^standin-loop exited unexpectedly \(restart \d\): exit 70/.test(line)),
    'each restart is reported too',
  )
  const [line] = (await status([component])).map((s) => statusLine(s))
  assert.match(
    line as string,
    /^standin-loop: CRASH LOOP \((up|unready|restarting in \d+ s)\), \d+ restarts, last: exit 70/,
  )

  const supervisor = runningPid('standin-loop') as number
  await down(['standin-loop'], [component])
  await assertNothingLeft('standin-loop', [supervisor, ...runs().map(([pid]) => pid)], () => runs().length, 600)
})

test('up accepts a running service whose crash loop is over, instead of failing on the old loop', async () => {
  const policy = { initialDelayMs: 50, maxDelayMs: 100, crashLoopRestarts: 3 }
  const { component, runs } = standIn('standin-recovered', 'crash-later:9,crash-later:9,crash-later:9,stay', policy)
  await up(undefined, undefined, [], [component])
  const deadline = Date.now() + 10_000
  while (runs().length < 4 && Date.now() < deadline) await sleep(50)
  assert.equal(readState(stateFile('standin-recovered'))?.crashLoop, true, 'the loop is still on record')
  assert.deepEqual(await up(undefined, undefined, [], [component]), [], 'already running: nothing started, no error')
  await down(['standin-recovered'], [component])
})

test('up gives up at once on a service that crash-loops while starting, and leaves nothing behind', async () => {
  const policy = { initialDelayMs: 50, maxDelayMs: 100, crashLoopRestarts: 3 }
  const { component, runs } = standIn('standin-startfail', 'exit:2', policy)
  const began = Date.now()
  await assert.rejects(up(undefined, undefined, [], [component]), (error: Error) => {
    // Three restarts make the loop; a fourth may land before the next health poll notices.
    assert.match(error.message, /^standin-startfail keeps exiting while starting \([34] restarts, last: exit 2\); see /)
    return true
  })
  assert.ok(Date.now() - began < 10_000, 'fails fast instead of waiting out the ready timeout')
  await assertNothingLeft(
    'standin-startfail',
    runs().map(([pid]) => pid),
    () => runs().length,
    300,
  )
})

test('down kills a service that ignores SIGTERM once the grace period is over', async () => {
  const { component, runs } = standIn('standin-stubborn', 'stay', { stopGraceMs: 500 }, { STANDIN_IGNORE_TERM: '1' })
  await up(undefined, undefined, [], [component])
  const supervisor = runningPid('standin-stubborn') as number
  const began = Date.now()
  await down(['standin-stubborn'], [component])
  assert.ok(Date.now() - began < 5_000, `stopped in ${Date.now() - began} ms`)
  await assertNothingLeft('standin-stubborn', [supervisor, ...runs().map(([pid]) => pid)], () => runs().length, 300)
})

test('down still stops a service whose supervisor was killed', async () => {
  const { component, runs } = standIn('standin-orphan', 'stay', {})
  await up(undefined, undefined, [], [component])
  const supervisor = runningPid('standin-orphan') as number
  process.kill(supervisor, 'SIGKILL')
  while (isAlive(supervisor)) await sleep(20)
  const [service] = runs().map(([pid]) => pid)
  assert.equal(isAlive(service as number), true, 'the service outlived its supervisor')
  assert.deepEqual(await down(['standin-orphan'], [component]), ['standin-orphan'])
  await assertNothingLeft('standin-orphan', [service as number], () => runs().length, 100)
})
