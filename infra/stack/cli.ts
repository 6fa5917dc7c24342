import { createReadStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isStackError, StackError } from './errors.ts'

// The node count must be known before the stack's modules load (config.ts reads it once): parse the flags,
// then import them.
const usage =
  'usage: npm run stack -- up [--nodes N] | down | status | logs <component> [-f]   (npm start [-- --nodes N] = up, then Ctrl-C stops)'
const [command = 'status', ...rest] = process.argv.slice(2)
const nodesAt = rest.indexOf('--nodes')
const nodesFlag = nodesAt >= 0 ? (rest[nodesAt + 1] ?? '') : undefined

function fail(error: unknown): never {
  // People read this: one line, never a stack trace. Unexpected errors still say where they came from.
  const message = isStackError(error) ? error.message : `stack: ${(error as Error).message ?? String(error)}`
  console.error(`error: ${message}`)
  process.exit(1)
}
// A bad node count or port is thrown while config.ts loads: still one line.
process.on('uncaughtException', fail)
if (nodesFlag !== undefined) {
  if (!/^[1-5]$/.test(nodesFlag))
    fail(new StackError(`--nodes takes a Kafka node count from 1 to 5, got "${nodesFlag}"`))
  process.env.GRIMOS_KAFKA_NODES = nodesFlag
}
const { clusterEnv, persistedNodes, persistNodes, stackConfig } = await import('./config.ts')
const { logFile, runningPid, stopProcess } = await import('./processes.ts')
const { statusLine, watchSupervisors } = await import('./report.ts')
const { componentNamed, components, down, policyOf, status, up } = await import('./stack.ts')

async function printStatus(): Promise<void> {
  const { nodes, replication, minInsyncReplicas } = stackConfig.kafka
  if (nodes.length > 1) {
    const bootstrap = clusterEnv().KAFKA_BOOTSTRAP_SERVERS
    console.log(
      `  Kafka cluster: ${nodes.length} nodes, replication ${replication}, min.insync.replicas ${minInsyncReplicas}  ·  KAFKA_BOOTSTRAP_SERVERS=${bootstrap}`,
    )
  }
  for (const state of await status()) {
    const pid = state.pid ? `  (pid ${state.pid})` : ''
    console.log(`  ${statusLine(state)}  ·  ${state.description}${pid}`)
  }
}

async function showLog(name: string | undefined, follow: boolean): Promise<void> {
  if (!name) throw new Error(`which log? ${usage}`)
  componentNamed(name)
  const file = logFile(name)
  if (!existsSync(file)) throw new Error(`no log yet for ${name} (${file})`)
  const size = statSync(file).size
  // Print the tail, then keep following if asked.
  let position = Math.max(0, size - 64 * 1024)
  const pump = () =>
    new Promise<void>((resolve) => {
      const end = statSync(file).size
      if (end <= position) return resolve()
      createReadStream(file, { start: position, end: end - 1 })
        .on('end', () => {
          position = end
          resolve()
        })
        .pipe(process.stdout, { end: false })
    })
  await pump()
  while (follow) {
    await new Promise((r) => setTimeout(r, 500))
    await pump()
  }
}

function printTryIt(): void {
  const auth = `http://${stackConfig.host}:${stackConfig.services.authPort}`
  const consumer = `http://${stackConfig.host}:${stackConfig.services.consumerPort}`
  const tokenFile = join(stackConfig.stateDir, 'secrets', 'operator-token')
  const consoleUrl = `http://${stackConfig.host}:${stackConfig.services.consolePort}`
  const adminPassword = join(stackConfig.stateDir, 'secrets', 'console-admin.password')
  console.log(`
Register a user (paste as is; the email is unique per second):
  curl -s -X POST ${auth}/api/v1/auth/register -H 'content-type: application/json' \\
    -d "{\\"email\\":\\"ada+$(date +%s)@example.com\\",\\"password\\":\\"correct horse battery staple\\",\\"full_name\\":\\"Ada Lovelace\\"}"

console                 ${consoleUrl}  (user admin, password in ${adminPassword}); CLI: npx grimos --help
auth-service API docs   ${auth}/docs
event-consumer metrics  ${consumer}/metrics
DLQ (operator token)    curl -s -H "authorization: Bearer $(cat ${tokenFile})" ${consumer}/dlq/records
Kafka clients           SASL_SSL: passwords in ${join(stackConfig.stateDir, 'secrets')}/kafka-<principal>.password, CA ca.pem (docs/security.md)
Logs                    npm run stack -- logs auth-service | event-consumer | console | kafka | registry`)
}

async function foreground(): Promise<void> {
  // Signals are handled from the first moment: Ctrl-C during start-up stops what has started so far.
  const started: string[] = []
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    console.log('\nstopping...')
    const stopped = await down(started)
    console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing to stop')
    process.exit(code)
  }
  process.on('SIGINT', () => stop(0))
  process.on('SIGTERM', () => stop(0))
  await up((line) => console.log(line), undefined, started)
  console.log('\ngrimOS Events local stack is up:')
  await printStatus()
  printTryIt()
  console.log(
    `\nCtrl-C stops what this command started${started.length ? ` (${started.join(', ')})` : ' (nothing: all was already running)'}.`,
  )
  // Restarts and crash loops show up here as they happen, not only in the services' logs.
  watchSupervisors(
    components.map((c) => c.name),
    (name) => policyOf(componentNamed(name)).crashLoopWindowMs,
    (line, severity) => (severity === 'alarm' ? console.error(`\n!! ${line}\n`) : console.log(`[supervisor] ${line}`)),
  )
  // Keep the process alive until a signal arrives; the stack runs in other processes.
  setInterval(() => undefined, 1 << 30)
}

const otherNames = ['registry', 'auth-service', 'event-consumer']
/** Kafka's component names for every node count, so a leftover of another count is found too. */
const everyKafkaName = ['kafka', ...Array.from({ length: 5 }, (_, i) => `kafka-${i + 1}`)]

/**
 * `--nodes N` changes the node count only while nothing runs: a running cluster of another size would be left
 * out of `status` and `down`. Then the count is kept for later commands.
 */
function chooseNodes(): void {
  if (nodesFlag === undefined) return
  const wanted = stackConfig.kafka.nodes.length
  const before = persistedNodes()
  if (wanted === before) return
  const running = [...everyKafkaName, ...otherNames].filter((name) => runningPid(name) !== undefined)
  if (running.length > 0) {
    throw new StackError(
      `the stack runs with ${before} Kafka node${before === 1 ? '' : 's'} (${running.join(', ')}): stop it first (npm run stack -- down), then up --nodes ${wanted}`,
    )
  }
  persistNodes(wanted)
}

async function main(): Promise<void> {
  if (nodesFlag !== undefined && command !== 'up' && command !== 'start') throw new Error(usage)
  switch (command) {
    case 'start':
      chooseNodes()
      return foreground()
    case 'up':
      chooseNodes()
      await up((line) => console.log(line))
      return printStatus()
    case 'down': {
      const stopped = await down()
      // A node of another count (a state file edited by hand, an interrupted switch) must not outlive `down`.
      const known = new Set(components.map((c) => c.name))
      for (const name of everyKafkaName.filter((n) => !known.has(n))) {
        if (await stopProcess(name)) stopped.push(name)
      }
      console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running')
      return
    }
    case 'status':
      return printStatus()
    case 'logs':
      return showLog(
        rest.find((a) => !a.startsWith('-')),
        rest.includes('-f') || rest.includes('--follow'),
      )
    default:
      throw new Error(usage)
  }
}

main().catch(fail)
