import { createReadStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { stackConfig } from './config.ts'
import { isStackError } from './errors.ts'
import { logFile } from './processes.ts'
import { statusLine, watchSupervisors } from './report.ts'
import { componentNamed, components, down, policyOf, status, up } from './stack.ts'

const usage = 'usage: npm run stack -- up | down | status | logs <component> [-f]   (npm start = up, then Ctrl-C stops)'

async function printStatus(): Promise<void> {
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
  console.log(`
Register a user (paste as is; the email is unique per second):
  curl -s -X POST ${auth}/api/v1/auth/register -H 'content-type: application/json' \\
    -d "{\\"email\\":\\"ada+$(date +%s)@example.com\\",\\"password\\":\\"correct horse battery staple\\",\\"full_name\\":\\"Ada Lovelace\\"}"

auth-service API docs   ${auth}/docs
event-consumer metrics  ${consumer}/metrics
DLQ (operator token)    curl -s -H "authorization: Bearer $(cat ${tokenFile})" ${consumer}/dlq/records
Logs                    npm run stack -- logs auth-service | event-consumer | kafka | registry`)
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

async function main(): Promise<void> {
  const [command = 'status', ...rest] = process.argv.slice(2)
  switch (command) {
    case 'start':
      return foreground()
    case 'up':
      await up((line) => console.log(line))
      return printStatus()
    case 'down': {
      const stopped = await down()
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

main().catch((error: unknown) => {
  // People read this: one line, never a stack trace. Unexpected errors still say where they came from.
  const message = isStackError(error) ? error.message : `stack: ${(error as Error).message ?? String(error)}`
  console.error(`error: ${message}`)
  process.exit(1)
})
