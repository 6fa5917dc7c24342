// `npm test`: brings the local stack up once (or reuses a running one), runs the suite in three phases, and
// stops only what it started. Phase 1 runs files in parallel; phase 2 runs the timed tests alone; phase 3
// (test/chaos) stops and restarts the real broker, so it runs alone, one file at a time.
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { ensureConsoleBuilt } from '../console/web/build.ts'
import { useAdminCredentials } from '../infra/stack/security.ts'
import { down, infrastructure, up } from '../infra/stack/stack.ts'
import { databaseUrl } from './support/database.ts'

const phases: { name: string; args: string[] }[] = [
  {
    name: 'unit and integration',
    args: [
      '--test',
      '--test-concurrency=2',
      '--test-timeout=180000',
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'console/test/{ops,http,cli}/**/*.test.ts',
      'infra/test/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/docs/**/*.test.ts',
      'test/deploy/**/*.test.ts',
      'console/web/test/**/*.test.ts',
    ],
  },
  {
    // Timed acceptance tests (the console's 1,000,000-record paging): alone, not sharing the CPU with phase 1.
    name: 'timing',
    args: ['--test', '--test-concurrency=1', '--test-timeout=300000', 'console/test/timing/**/*.test.ts'],
  },
  {
    name: 'fault injection',
    args: ['--test', '--test-concurrency=1', '--test-timeout=300000', 'test/chaos/**/*.test.ts'],
  },
]

function runPhase(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

/** PostgreSQL answers on the test database's host and port, or `npm test` stops with one line saying so. */
async function requirePostgres(): Promise<void> {
  const url = new URL(databaseUrl)
  const host = url.hostname || '127.0.0.1'
  const port = Number(url.port || 5432)
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 })
    const settle = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => settle(true))
    socket.once('timeout', () => settle(false))
    socket.once('error', () => settle(false))
  })
  if (!reachable)
    throw new Error(
      `PostgreSQL is not reachable at ${host}:${port}: the integration tests need one (database ${url.pathname.slice(1) || 'test'}); start it, or point TEST_DATABASE_URL at another`,
    )
}

let started: string[] = []
let failed = false
try {
  await requirePostgres()
  // The browser tests load the console's built front end; a no-op when console/web/dist is fresh.
  await ensureConsoleBuilt({ onProgress: (line) => process.stderr.write(`[test] ${line}\n`) })
  started = await up((line) => process.stderr.write(`[stack] ${line}\n`), infrastructure)
  // The children act as the stack's admin (they create and delete topics of their own), over SASL_SSL.
  useAdminCredentials()
  for (const phase of phases) {
    process.stderr.write(`\n[test] phase: ${phase.name}\n`)
    if ((await runPhase(phase.args)) !== 0) failed = true
  }
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`)
  failed = true
} finally {
  if (started.length) await down(started)
}
process.exit(failed ? 1 : 0)
