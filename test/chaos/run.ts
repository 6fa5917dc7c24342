// `npm run chaos [-- <case>… | --short]`: brings up this checkout's stack (broker and registry) if needed, runs each
// fault case's full form in a child process of its own (killed at the case's time limit), prints its counts and
// rewrites its section of RELIABILITY.md. `--short` runs the short forms and writes nothing (a quick try).
// Stops only what it started.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { useAdminCredentials } from '../../infra/stack/security.ts'
import { down, infrastructure, up } from '../../infra/stack/stack.ts'
import { assertOwnStack, restartInfrastructure } from '../support/chaos.ts'
import { cases, plannedCases } from './cases/index.ts'
import { type CaseResult, type CaseSize, type ChaosCase, violations } from './cases/types.ts'
import { writeReliability } from './report.ts'

const self = fileURLToPath(import.meta.url)

/** Child mode: run one case and write its result where the parent said. */
async function child(id: string, size: CaseSize, out: string): Promise<void> {
  const chaosCase = byId(id)
  const result = await chaosCase.run(size, (line) => process.stderr.write(`[${id}] ${line}\n`))
  const { writeFileSync } = await import('node:fs')
  writeFileSync(out, JSON.stringify(result))
}

function byId(id: string): ChaosCase {
  const found = cases.find((c) => c.id === id)
  if (!found) throw new Error(`unknown case "${id}"; choose from: ${cases.map((c) => c.id).join(', ')}`)
  return found
}

async function runInChild(chaosCase: ChaosCase, size: CaseSize): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'grimos-chaos-'))
  const out = join(dir, 'result.json')
  try {
    const code = await new Promise<number | string>((resolve) => {
      const proc = spawn(process.execPath, [self, '--child', chaosCase.id, size, out], { stdio: 'inherit' })
      const timer = setTimeout(() => proc.kill('SIGKILL'), chaosCase.timeoutMs[size])
      proc.on('exit', (exitCode, signal) => {
        clearTimeout(timer)
        resolve(exitCode ?? signal ?? 1)
      })
    })
    if (code !== 0) {
      // Killed or crashed mid-fault: the broker may still be down. Bring it back before anything else runs.
      await restartInfrastructure()
      throw new Error(
        `case ${chaosCase.id} ended with ${code}${code === 'SIGKILL' ? ` (time limit ${chaosCase.timeoutMs[size] / 1000} s)` : ''}`,
      )
    }
    return JSON.parse(readFileSync(out, 'utf8')) as CaseResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    await child(args[1] as string, args[2] as CaseSize, args[3] as string)
    return 0
  }
  assertOwnStack()
  const size: CaseSize = args.includes('--short') ? 'short' : 'full'
  const chosen = args.filter((a) => !a.startsWith('-'))
  const selected = chosen.length ? chosen.map(byId) : cases
  let started: string[] = []
  let failed = false
  const measured: { chaosCase: ChaosCase; result: CaseResult }[] = []
  try {
    started = await up((line) => process.stderr.write(`[stack] ${line}\n`), infrastructure)
    // The children act as the stack's admin (they create and delete topics of their own), over SASL_SSL.
    useAdminCredentials()
    for (const chaosCase of selected) {
      process.stderr.write(
        `\n[chaos] ${chaosCase.id} (${size}, ${chaosCase.events[size]} events): ${chaosCase.fault}\n`,
      )
      try {
        const result = await runInChild(chaosCase, size)
        const bad = violations(result)
        if (Object.keys(bad).length) failed = true
        process.stderr.write(`[chaos] ${chaosCase.id}: ${JSON.stringify(result)}\n`)
        if (Object.keys(bad).length) process.stderr.write(`[chaos] ${chaosCase.id} FAILS: ${JSON.stringify(bad)}\n`)
        measured.push({ chaosCase, result })
      } catch (error) {
        failed = true
        process.stderr.write(`[chaos] ${chaosCase.id} did not complete: ${(error as Error).message}\n`)
      }
    }
    // Only full forms go into RELIABILITY.md: the short ones are too small to stand for the fault.
    if (size === 'full' && measured.length) {
      process.stderr.write(`\n[chaos] wrote ${writeReliability(measured, cases, plannedCases)}\n`)
    }
  } finally {
    if (started.length) await down(started)
  }
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
