// `npm run bench -- <name>`: runs one benchmark script against the local stack (started if needed, stopped
// after if this command started it). Scripts write their section of BENCHMARKS.md.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { useAdminCredentials } from '../infra/stack/security.ts'
import { down, infrastructure, up } from '../infra/stack/stack.ts'

const names = ['publish', 'e2e', 'outbox', 'consume', 'http']
/** Earlier names that still work. */
const aliases: Record<string, string> = { latency: 'e2e' }
const chosen = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('-'))
  .map((a) => aliases[a] ?? a)
const selected = chosen.length ? chosen : names
for (const name of selected) {
  if (!names.includes(name)) {
    console.error(`error: unknown benchmark "${name}"; choose from: ${names.join(', ')}`)
    process.exit(1)
  }
}

let started: string[] = []
let failed = false
try {
  started = await up((line) => process.stderr.write(`[stack] ${line}\n`), infrastructure)
  // The children act as the stack's admin (they create and delete topics of their own), over SASL_SSL.
  useAdminCredentials()
  for (const name of selected) {
    const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
    if (!existsSync(script)) throw new Error(`bench/${name}.ts is missing`)
    const code = await new Promise<number>((resolve) =>
      spawn(process.execPath, [script], { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)),
    )
    if (code !== 0) failed = true
  }
} finally {
  if (started.length) await down(started)
}
process.exit(failed ? 1 : 0)
