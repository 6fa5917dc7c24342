import { toJson } from '../ops/format.ts'

// What the CLI prints: aligned tables for people, one JSON document (or one per line for streams) with --json,
// and a progress bar on stderr when stderr is a terminal.

export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value, 2)}\n`)
}

export function printJsonLine(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`)
}

export function printTable(headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  process.stdout.write(`${[line(headers), ...cells.map(line)].join('\n')}\n`)
}

export function bytes(n: number | null): string {
  if (n === null) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

export class ProgressBar {
  readonly #total: number
  readonly #label: string
  readonly #enabled: boolean

  constructor(label: string, total: number, enabled = process.stderr.isTTY === true) {
    this.#label = label
    this.#total = Math.max(total, 1)
    this.#enabled = enabled
  }

  update(done: number): void {
    if (!this.#enabled) return
    const width = 30
    const filled = Math.round((done / this.#total) * width)
    const percent = Math.floor((done / this.#total) * 100)
    process.stderr.write(
      `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.#total} ${percent}%`,
    )
  }

  finish(): void {
    if (this.#enabled) process.stderr.write('\n')
  }
}
