import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

// Benchmarks report ratios measured side by side in one run; the machine is noisy, so absolute numbers are
// only context. Each script owns one section of BENCHMARKS.md, between markers, and rewrites only that.

const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} × ${cpu}, broker and client on one machine (loopback)`
}

export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`
  const end = `<!-- bench:${name}:end -->`
  const block = `${start}\n${markdown.trim()}\n${end}`
  let content = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEvery figure comes from a script in `bench/` (`npm run bench -- <name>`). Ours and the peer run side by side in one process and one run, interleaved, on the same broker; ratios are ours ÷ peer.\n'
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`)
  content = pattern.test(content) ? content.replace(pattern, block) : `${content.trimEnd()}\n\n${block}\n`
  writeFileSync(file, content)
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/**
 * Runs `work` under the inspector's CPU profiler when BENCH_CPU_PROFILE names a directory, writing
 * `<label>-<time>.cpuprofile` there (open it in Chrome DevTools): a profile of the measured part only, without
 * the set-up around it.
 */
export async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE
  if (!dir) return await work()
  const { Session } = await import('node:inspector/promises')
  const { mkdirSync, writeFileSync } = await import('node:fs')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await work()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(dir, { recursive: true })
    writeFileSync(`${dir}/${label}-${Date.now()}.cpuprofile`, JSON.stringify(profile))
    session.disconnect()
  }
}
