import { readFileSync, statSync } from 'node:fs'
import type { LineResult } from '../http/schemas/index.ts'
import { CliError } from './api-backend.ts'
import { type Flags, str } from './args.ts'
import type { Backend } from './backend.ts'
import { bytes, ProgressBar, printJson } from './output.ts'

// grimos produce --file: every line validated first (dry-run chunks), then sent chunk by chunk.

const MAX_FILE_BYTES = 256 * 1024 * 1024
const CHUNK = 500

export async function produce(backend: Backend, flags: Flags): Promise<void> {
  const file = str(flags, 'file')
  if (!file) throw new CliError('produce needs --file <events.ndjson>')
  const size = statSync(file, { throwIfNoEntry: false })?.size
  if (size === undefined) throw new CliError(`${file} does not exist`)
  if (size > MAX_FILE_BYTES) throw new CliError(`${file} is ${bytes(size)}; at most ${bytes(MAX_FILE_BYTES)} per run`)
  const lines = readFileSync(file, 'utf8').split('\n')
  if (lines.at(-1) === '') lines.pop()
  const topic = str(flags, 'topic')
  const skipInvalid = flags['skip-invalid'] === true
  const json = flags.json === true
  const chunks = Array.from({ length: Math.ceil(lines.length / CHUNK) }, (_, i) =>
    lines.slice(i * CHUNK, (i + 1) * CHUNK),
  )
  // Every line is validated before anything is sent.
  const invalid: LineResult[] = []
  for (const [i, chunk] of chunks.entries()) {
    const answer = await backend.produce({ topic, lines: chunk, firstLine: i * CHUNK + 1, dryRun: true, skipInvalid })
    invalid.push(...answer.results.filter((r) => !r.ok))
  }
  const report = (sent: number, results: LineResult[]) =>
    json
      ? printJson({ file, lines: lines.length, sent, invalid: invalid.length, results })
      : process.stdout.write(
          `${invalid.map((r) => `line ${r.line}: ${r.error?.code} ${r.error?.message}\n`).join('')}${sent} sent, ${invalid.length} invalid of ${lines.length} lines\n`,
        )
  if ((invalid.length > 0 && !skipInvalid) || flags['dry-run']) {
    report(0, invalid)
    if (invalid.length > 0 && !skipInvalid)
      throw new CliError(`${invalid.length} invalid line(s): nothing sent (fix them or pass --skip-invalid)`)
    return
  }
  const bar = new ProgressBar('producing', lines.length)
  const results: LineResult[] = []
  for (const [i, chunk] of chunks.entries()) {
    const answer = await backend.produce({ topic, lines: chunk, firstLine: i * CHUNK + 1, dryRun: false, skipInvalid })
    results.push(...answer.results)
    bar.update(Math.min((i + 1) * CHUNK, lines.length))
  }
  bar.finish()
  report(results.filter((r) => r.ok && r.offset !== undefined).length, json ? results : invalid)
}
