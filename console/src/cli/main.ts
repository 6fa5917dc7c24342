#!/usr/bin/env node
// `grimos`: the console's CLI (npx grimos … from the repository root). Every command takes --json and exits
// non-zero with one line on stderr when it fails. See docs/console.md.
import { CliError } from './api-backend.ts'
import { commands, parse } from './commands.ts'
import { connect } from './connect.ts'

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  return [
    'usage: grimos <command> [options] [--json] [--api | --direct]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'The console API is used when one answers (GRIMOS_CONSOLE_URL, default http://127.0.0.1:$GRIMOS_CONSOLE_PORT or 3003;',
    'GRIMOS_CONSOLE_USER / GRIMOS_CONSOLE_PASSWORD, default admin and .grimos/secrets/console-admin.password),',
    "else Kafka directly with the stack's operator credentials. grimos <command> --help shows its options.",
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`)
    return
  }
  const command = commands[name]
  if (!command) throw new CliError(`unknown command "${name}" (grimos --help lists them)`)
  const { flags, positionals } = parse(rest, command.spec)
  if (flags.help) {
    process.stdout.write(`usage: ${command.usage}\n`)
    return
  }
  if (flags.api && flags.direct) throw new CliError('--api and --direct exclude each other')
  const backend = await connect(flags.api ? 'api' : flags.direct ? 'direct' : undefined)
  try {
    await command.run(backend, flags, positionals)
  } finally {
    await backend.close()
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`grimos: ${message.split('\n')[0]}\n`)
    process.exit(1)
  },
)
