import { parseArgs } from 'node:util'
import { CliError } from './api-backend.ts'

// Flag parsing on node:util parseArgs, strict: an unknown flag is an error naming it, like an unknown field is
// a 400 in the API. Values are checked here, before any backend sees them.

export type Flags = Record<string, string | boolean | undefined>
export type Spec = Record<string, { type: 'string' | 'boolean'; short?: string }>

export const globalFlags: Spec = {
  json: { type: 'boolean' },
  api: { type: 'boolean' },
  direct: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

export function parse(argv: string[], spec: Spec): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...globalFlags, ...spec },
      allowPositionals: true,
      strict: true,
    })
    return { flags: values as Flags, positionals }
  } catch (error) {
    throw new CliError((error as Error).message.split('\n')[0] ?? 'invalid arguments')
  }
}

export function str(flags: Flags, name: string): string | undefined {
  const value = flags[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
    throw new CliError(`--${name} needs a value (at most 4096 characters)`)
  return value
}

export function int(flags: Flags, name: string, min: number, max: number): number | undefined {
  const value = str(flags, name)
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be an integer from ${min} to ${max}, got ${value}`)
  return n
}

/** An ISO-8601 time, or a relative one: `10m`, `2h`, `7d` ago. */
export function time(flags: Flags, name: string): string | undefined {
  const value = str(flags, name)
  if (value === undefined) return undefined
  const relative = /^(\d{1,6})([smhd])$/.exec(value)
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd']
    return new Date(Date.now() - Number(relative[1]) * unit).toISOString()
  }
  const date = new Date(value)
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new CliError(
      `--${name} must be an ISO-8601 time (2026-01-31T12:00:00Z) or an age like 10m, 2h, 7d; got ${value}`,
    )
  return date.toISOString()
}

export function position(text: string | undefined): { partition: number; offset: string } {
  const match = text === undefined ? null : /^(\d{1,10})\/(\d{1,19})$/.exec(text)
  if (!match || Number(match[1]) > 2 ** 31 - 1)
    throw new CliError(`a record is <partition>/<offset>, e.g. 0/42; got ${text ?? 'nothing'}`)
  return { partition: Number(match[1]), offset: match[2] as string }
}
