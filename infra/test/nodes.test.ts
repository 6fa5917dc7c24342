import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'

// `--nodes N` as people meet it, without starting a JVM: ports, the persisted count, and what status, logs and a
// change of count while running say. A private state dir and ports nobody uses (19xxx).
const cli = fileURLToPath(new URL('../stack/cli.ts', import.meta.url))
const nodeDir = dirname(process.execPath)
const scratch: string[] = []
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grimos-nodes-'))
  scratch.push(dir)
  return dir
}

function stack(args: string[], stateDir: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: {
      PATH: `${nodeDir}:/usr/bin:/bin`,
      GRIMOS_STATE_DIR: stateDir,
      GRIMOS_KAFKA_PORT: '28092',
      GRIMOS_KAFKA_CONTROLLER_PORT: '28093',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() }
}

function withNodes(nodes: number): string {
  const dir = stateDir()
  writeFileSync(join(dir, 'kafka-nodes'), `${nodes}\n`)
  return dir
}

function assertOneLine(stderr: string, pattern: RegExp) {
  assert.equal(stderr.split('\n').length, 1, `one line, got:\n${stderr}`)
  assert.match(stderr, /^error: /)
  assert.match(stderr, pattern)
}

test('a bad node count is one line', () => {
  const { status, stderr } = stack(['up', '--nodes', '7'], stateDir())
  assert.equal(status, 1)
  assertOneLine(stderr, /--nodes takes a Kafka node count from 1 to 5, got "7"/)
})

test('base ports whose node ports overlap are one line that says which ports and how to fix them', () => {
  const { status, stderr } = stack(['up', '--nodes', '3'], stateDir(), { GRIMOS_KAFKA_CONTROLLER_PORT: '28094' })
  assert.equal(status, 1)
  assertOneLine(stderr, /3 Kafka nodes need ports .* overlap .* 28092\/28094: use e\.g\. 28092\/28093/)
})

test('status of a 3-node stack lists every node on its own ports, and the bootstrap list', () => {
  const { status, stdout } = stack(['status'], withNodes(3))
  assert.equal(status, 0)
  assert.match(stdout, /Kafka cluster: 3 nodes, replication 3, min\.insync\.replicas 2/)
  assert.match(stdout, /KAFKA_BOOTSTRAP_SERVERS=127\.0\.0\.1:28092,127\.0\.0\.1:28094,127\.0\.0\.1:28096/)
  for (const [n, broker, controller] of [
    [1, 28092, 28093],
    [2, 28094, 28095],
    [3, 28096, 28097],
  ]) {
    assert.match(
      stdout,
      new RegExp(`kafka-${n}: down .*node ${n} of 3.*127\\.0\\.0\\.1:${broker} \\(controller :${controller}\\)`),
    )
  }
})

test('one node is the stack of old: one "kafka", no cluster line', () => {
  const { status, stdout } = stack(['status'], stateDir())
  assert.equal(status, 0)
  assert.doesNotMatch(stdout, /cluster|kafka-1/)
  assert.match(stdout, /^ {2}kafka: down .*\(KRaft, broker\+controller\) {2}127\.0\.0\.1:28092 {2}SASL_SSL /m)
})

test('logs knows the nodes of the persisted count', () => {
  const three = stack(['logs', 'kafka-2'], withNodes(3))
  assert.equal(three.status, 1)
  assertOneLine(three.stderr, /no log yet for kafka-2/)
  const one = stack(['logs', 'kafka-2'], withNodes(1))
  assertOneLine(one.stderr, /unknown component "kafka-2"; known: kafka, registry/)
})

test('changing the node count while the stack runs is refused in one line, and the count is kept', () => {
  const dir = withNodes(3)
  // A live pid (this test's own) in kafka-2's pid file: the stack looks as if it ran.
  mkdirSync(join(dir, 'run'), { recursive: true })
  writeFileSync(join(dir, 'run', 'kafka-2.pid'), String(process.pid))
  const { status, stderr } = stack(['up', '--nodes', '1'], dir)
  assert.equal(status, 1)
  assertOneLine(stderr, /the stack runs with 3 Kafka nodes \(kafka-2\): stop it first \(npm run stack -- down\)/)
  assert.equal(readFileSync(join(dir, 'kafka-nodes'), 'utf8').trim(), '3')
})
