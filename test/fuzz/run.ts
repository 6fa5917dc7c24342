// `npm run fuzz [-- --inputs N --seed S]`: a million hostile records through the consumer's decode path, against
// the real registry (the stack is started if needed and stopped after). Writes its section of RELIABILITY.md;
// exits 1 on any failure, printing the seed and the inputs that failed so they can be replayed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { useAdminCredentials } from '../../infra/stack/security.ts'
import { down, infrastructure, up } from '../../infra/stack/stack.ts'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { type FuzzReport, fuzzDecoder } from './decoder.ts'

const { values } = parseArgs({
  options: { inputs: { type: 'string', default: '1000000' }, seed: { type: 'string' } },
})
const inputs = Number(values.inputs)
const seed = Number(values.seed ?? Date.now() % 2 ** 31)
const MAX_INPUT_MS = 10
const MAX_HEAP_GROWTH = 32 << 20

let started: string[] = []
let failed = true
try {
  started = await up((line) => process.stderr.write(`[stack] ${line}\n`), infrastructure)
  // Whatever of the library touches Kafka here does so as the stack's admin, over SASL_SSL.
  useAdminCredentials()
  const serde = new EventSerde({ topic: `fuzz.${seed}`, unknownSchemaTtlMs: 3_600_000 })
  try {
    console.log(`fuzz: ${inputs.toLocaleString('en-US')} inputs, seed ${seed}`)
    const report = await fuzzDecoder({
      serde,
      inputs,
      seed,
      maxInputMs: MAX_INPUT_MS,
      maxHeapGrowthBytes: MAX_HEAP_GROWTH,
      onProgress: (done) => process.stderr.write(`\r${done.toLocaleString('en-US')} inputs`),
    })
    process.stderr.write('\n')
    print(report)
    failed = report.failureCount > 0
    if (!failed && inputs >= 1_000_000) writeSection(report)
  } finally {
    for (const eventType of USER_EVENT_TYPES)
      await serde.registry.deleteSubject(serde.subjectFor(eventType), true).catch((error: { code?: string }) => {
        if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
      })
    await serde.close()
  }
} catch (error) {
  console.error(`error: ${(error as Error).message}`)
} finally {
  if (started.length) await down(started)
}
process.exit(failed ? 1 : 0)

function print(report: FuzzReport): void {
  const rate = Math.round(report.inputs / report.seconds)
  console.log(`${report.inputs.toLocaleString('en-US')} inputs in ${report.seconds.toFixed(1)} s: ${rate} inputs/s`)
  console.log(`accepted ${report.accepted}, rejected ${JSON.stringify(report.rejectedByCode)}`)
  console.log(`slowest input: ${report.slowest.ms.toFixed(2)} ms (${report.slowest.kind}) ${report.slowest.inputHex}`)
  console.log(`heap growth after GC: ${(report.heapGrowthBytes / 2 ** 20).toFixed(1)} MiB`)
  for (const failure of report.failures) console.log(`FAIL #${failure.index} ${failure.kind}: ${failure.reason}`)
  if (report.failureCount) console.log(`${report.failureCount} failures (seed ${seed})`)
}

function writeSection(report: FuzzReport): void {
  const file = fileURLToPath(new URL('../../RELIABILITY.md', import.meta.url))
  const kinds = Object.entries(report.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, count]) => `| ${kind} | ${count.toLocaleString('en-US')} |`)
  const rejected = Object.entries(report.rejectedByCode)
    .map(([code, count]) => `${code} ${count.toLocaleString('en-US')}`)
    .join(', ')
  const markdown = `## Decoder fuzzing

\`npm run fuzz\` (\`test/fuzz/\`), ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, seed ${seed}.
Every input goes through the consumer's decode-and-validate path (\`decodeCached\`, then \`decode\`), with the seven
catalog schemas registered in the real registry. Each must end in a value or a \`GrimError\`, within ${MAX_INPUT_MS} ms; the
heap, after GC at both ends, may grow at most ${MAX_HEAP_GROWTH >> 20} MiB.

- **${report.inputs.toLocaleString('en-US')} inputs in ${report.seconds.toFixed(1)} s: ${Math.round(report.inputs / report.seconds).toLocaleString('en-US')} inputs/s, 0 failures.**
- Accepted ${report.accepted.toLocaleString('en-US')}; rejected: ${rejected}.
- Slowest input: ${report.slowest.ms.toFixed(2)} ms (${report.slowest.kind}). Heap growth: ${(report.heapGrowthBytes / 2 ** 20).toFixed(1)} MiB.
- Without the bounds check (\`serde/bounds.ts\`), the same campaign dies within seconds: "JavaScript heap out of memory".

| input kind | count |
|---|---|
${kinds.join('\n')}`
  const start = '<!-- fuzz:decoder:start -->'
  const end = '<!-- fuzz:decoder:end -->'
  const block = `${start}\n${markdown}\n${end}`
  let content = existsSync(file) ? readFileSync(file, 'utf8') : '# Reliability\n'
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`)
  content = pattern.test(content) ? content.replace(pattern, block) : `${content.trimEnd()}\n\n${block}\n`
  writeFileSync(file, content)
}
