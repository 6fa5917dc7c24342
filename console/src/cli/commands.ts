import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Message } from '../http/schemas/index.ts'
import { CliError } from './api-backend.ts'
import { type Flags, int, parse, type Spec, str, time } from './args.ts'
import type { Backend } from './backend.ts'
import { dlq, dlqFilterSpec } from './dlq.ts'
import { bytes, printJson, printJsonLine, printTable } from './output.ts'
import { produce } from './produce.ts'

// One function per command. Each parses its own flags (strict), calls the backend, prints a table or --json.

export interface Command {
  summary: string
  usage: string
  spec: Spec
  run(backend: Backend, flags: Flags, positionals: string[]): Promise<void>
}

function printMessage(m: Message, json: boolean): void {
  if (json) {
    printJsonLine(m)
    return
  }
  const value = typeof m.value === 'string' ? m.value : JSON.stringify(m.value)
  process.stdout.write(`${m.timestamp} ${m.partition}/${m.offset} key=${m.key ?? '-'} ${m.eventType ?? ''} ${value}\n`)
}

async function operators(backend: Backend, flags: Flags, positionals: string[]): Promise<void> {
  const [action, username] = positionals
  const json = flags.json === true
  if (action === 'list' || action === undefined) {
    const { operators } = await backend.operators()
    if (json) return printJson({ operators })
    return printTable(
      ['username', 'role', 'created', 'by'],
      operators.map((o) => [o.username, o.role, o.createdAt, o.createdBy]),
    )
  }
  if (!username || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(username))
    throw new CliError('a username is 1-64 of a-z 0-9 . _ - (starting with a letter or digit)')
  if (action === 'add') {
    const role = str(flags, 'role') ?? 'viewer'
    if (role !== 'viewer' && role !== 'operator') throw new CliError(`--role is viewer or operator; got ${role}`)
    const given = flags['password-stdin'] ? readFileSync(0, 'utf8').trim() : undefined
    if (given !== undefined && given.length < 12) throw new CliError('the password needs at least 12 characters')
    const password = given ?? randomBytes(18).toString('base64url')
    const account = await backend.addOperator({ username, password, role })
    // A generated password is shown once, here; it is stored only as an argon2 hash.
    if (json) return printJson({ ...account, ...(given === undefined && { password }) })
    process.stdout.write(
      `added ${account.username} (${account.role})${given === undefined ? `, password: ${password}` : ''}\n`,
    )
    return
  }
  if (action === 'remove') {
    await backend.removeOperator(username)
    if (json) return printJson({ removed: username })
    process.stdout.write(`removed ${username}\n`)
    return
  }
  throw new CliError(
    'operators needs list, add <username> --role viewer|operator [--password-stdin], or remove <username>',
  )
}

export const commands: Record<string, Command> = {
  topics: {
    summary: 'topics with partitions, messages and size',
    usage: 'grimos topics [--json]',
    spec: {},
    async run(backend, flags) {
      const { topics } = await backend.topics()
      if (flags.json) return printJson({ topics })
      printTable(
        ['topic', 'partitions', 'replicas', 'messages', 'size'],
        topics.map((t) => [t.name, t.partitions, t.replicationFactor, t.messages, bytes(t.sizeBytes)]),
      )
    },
  },
  groups: {
    summary: 'consumer groups and their lag (one group: its partitions)',
    usage: 'grimos groups [<group>] [--json]',
    spec: {},
    async run(backend, flags, [group]) {
      if (group) {
        const detail = await backend.group(group)
        if (flags.json) return printJson(detail)
        process.stdout.write(`${detail.id}: ${detail.state}, ${detail.members.length} member(s), lag ${detail.lag}\n`)
        return printTable(
          ['topic', 'partition', 'committed', 'end', 'lag', 'member'],
          detail.partitions.map((p) => [p.topic, p.partition, p.committed, p.high, p.lag, p.memberId]),
        )
      }
      const { groups } = await backend.groups()
      if (flags.json) return printJson({ groups })
      printTable(
        ['group', 'state', 'members', 'lag', 'topics'],
        groups.map((g) => [g.id, g.state, g.members, g.lag, g.topics.join(',')]),
      )
    },
  },
  tail: {
    summary: 'follow a topic live (decoded); --from starts back in time',
    usage:
      'grimos tail <topic> [--from 10m|ISO] [--partition N] [--key K] [--event-type T] [--event-id ID] [--user-id U] [--max N] [--seconds S] [--json]',
    spec: {
      from: { type: 'string' },
      partition: { type: 'string' },
      key: { type: 'string' },
      'event-type': { type: 'string' },
      'event-id': { type: 'string' },
      'user-id': { type: 'string' },
      max: { type: 'string' },
      seconds: { type: 'string' },
    },
    async run(backend, flags, [topic]) {
      if (!topic) throw new CliError('tail needs a topic: grimos tail <topic>')
      const max = int(flags, 'max', 1, 10_000_000)
      const seconds = int(flags, 'seconds', 1, 86_400)
      const controller = new AbortController()
      const stop = () => controller.abort()
      process.once('SIGINT', stop)
      const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000)
      let seen = 0
      try {
        await backend.tail(
          topic,
          {
            from: time(flags, 'from'),
            partition: int(flags, 'partition', 0, 2 ** 31 - 1),
            key: str(flags, 'key'),
            event_type: str(flags, 'event-type'),
            event_id: str(flags, 'event-id'),
            user_id: str(flags, 'user-id'),
          },
          controller.signal,
          (message) => {
            if (controller.signal.aborted) return
            printMessage(message, flags.json === true)
            if (max !== undefined && ++seen >= max) stop()
          },
        )
      } finally {
        clearTimeout(timer)
        process.off('SIGINT', stop)
      }
    },
  },
  trace: {
    summary: "one event (or a user's events) across the topic, retries, the DLQ and replays",
    usage: 'grimos trace <event_id> | --user-id U [--topic T] [--from T] [--to T] [--json]',
    spec: {
      'user-id': { type: 'string' },
      topic: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    async run(backend, flags, [eventId]) {
      const userId = str(flags, 'user-id')
      if ((eventId === undefined) === (userId === undefined))
        throw new CliError('trace needs an event id or --user-id (one of them)')
      const answer = await backend.trace({
        event_id: eventId,
        user_id: userId,
        topic: str(flags, 'topic'),
        from: time(flags, 'from'),
        to: time(flags, 'to'),
      })
      if (flags.json) return printJson(answer)
      if (answer.steps.length === 0)
        process.stdout.write(`nothing found in ${answer.topic} (${answer.scanned} records read)\n`)
      for (const s of answer.steps) {
        const extra = [
          s.by && `by ${s.by}`,
          s.attempt && `attempt ${s.attempt}`,
          s.errorClass,
          s.error,
          s.detail &&
            Object.entries(s.detail)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
        ]
        process.stdout.write(
          `${s.at}  ${s.kind.padEnd(13)} ${s.topic}/${s.partition ?? '-'}/${s.offset ?? '-'}  ${s.eventType ?? ''} ${extra.filter(Boolean).join('  ')}\n`,
        )
      }
      if (answer.truncated) process.stdout.write('(the scan stopped at its bound: narrow it with --from/--to)\n')
    },
  },
  dlq: {
    summary: 'dead letters: list, inspect, replay (one or --all with a preview), discard',
    usage:
      'grimos dlq list|inspect <p/o>|replay <p/o>|replay --all [--yes] [--limit N]|discard <p/o> --reason R [--topic T] [--status S] [--event-type T] [--error-class C] [--from T] [--to T] [--json]',
    spec: dlqFilterSpec,
    run: dlq,
  },
  produce: {
    summary: 'send events from an NDJSON file: every line validated first, then sent (progress on a terminal)',
    usage: 'grimos produce --file events.ndjson [--topic T] [--dry-run] [--skip-invalid] [--json]',
    spec: {
      file: { type: 'string' },
      topic: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'skip-invalid': { type: 'boolean' },
    },
    run: (backend, flags) => produce(backend, flags),
  },
  schemas: {
    summary: 'registry subjects, versions and compatibility',
    usage: 'grimos schemas [--json]',
    spec: {},
    async run(backend, flags) {
      const answer = await backend.schemas()
      if (flags.json) return printJson(answer)
      printTable(
        ['subject', 'versions', 'latest id', 'compatibility'],
        answer.subjects.map((s) => [s.subject, s.versions.join(','), s.latestId, s.compatibility]),
      )
    },
  },
  operators: {
    summary: 'console accounts: list, add (role viewer|operator), remove',
    usage:
      'grimos operators list | add <username> [--role viewer|operator] [--password-stdin] | remove <username> [--json]',
    spec: { role: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    run: operators,
  },
  audit: {
    summary: 'the audit log of write actions',
    usage: 'grimos audit [--limit N] [--action A] [--json]',
    spec: { limit: { type: 'string' }, action: { type: 'string' } },
    async run(backend, flags) {
      const page = await backend.audit({ limit: int(flags, 'limit', 1, 500) ?? 50, action: str(flags, 'action') })
      if (flags.json) return printJson(page)
      printTable(
        ['at', 'principal', 'action', 'target'],
        page.entries.map((e) => [e.at, e.principal, e.action, e.target]),
      )
    },
  },
}

export { parse }
