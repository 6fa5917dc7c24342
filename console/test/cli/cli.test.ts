// Every grimos command, with --json, against the real stack: through a running console (API mode) and straight
// to Kafka (direct mode). Errors exit 1 with one line on stderr.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { databaseUrl } from '../../../test/support/index.ts'
import { loginInput, seedDeadLetter, startTestConsole } from '../support.ts'

const t = await startTestConsole('console-cli')
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'grimos-cli-test-'))
const dlq = `${t.topic}.dlq`

interface Run {
  code: number
  stdout: string
  stderr: string
}

function grimos(args: string[], mode: 'api' | 'direct' = 'api', stdin?: string): Promise<Run> {
  const env = {
    ...process.env,
    GRIMOS_CONSOLE_URL: t.url,
    GRIMOS_CONSOLE_USER: 'admin',
    GRIMOS_CONSOLE_PASSWORD: t.adminPassword,
    DATABASE_URL: databaseUrl,
    GRIMOS_CONSOLE_DATABASE_SCHEMA: t.schema,
  }
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [main, ...args, `--${mode}`],
      { env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    if (stdin !== undefined) child.stdin?.end(stdin)
  })
}

async function json<T = Record<string, unknown>>(args: string[], mode: 'api' | 'direct' = 'api'): Promise<T> {
  const run = await grimos([...args, '--json'], mode)
  assert.equal(run.code, 0, `grimos ${args.join(' ')} --${mode}: ${run.stderr}`)
  return JSON.parse(run.stdout) as T
}

function assertOneLineError(run: Run, pattern: RegExp) {
  assert.equal(run.code, 1)
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr)
  assert.match(run.stderr, /^grimos: /)
  assert.match(run.stderr, pattern)
}

for (const mode of ['api', 'direct'] as const) {
  describe(`grimos (${mode} mode)`, () => {
    test('topics and groups', async () => {
      const { topics } = await json<{ topics: { name: string; partitions: number }[] }>(['topics'], mode)
      assert.equal(topics.find((x) => x.name === t.topic)?.partitions, 6)
      const { groups } = await json<{ groups: { id: string }[] }>(['groups'], mode)
      assert.ok(Array.isArray(groups))
      const table = await grimos(['topics'], mode)
      assert.match(table.stdout, /^topic\s+partitions/)
    })

    test('schemas', async () => {
      const { subjects } = await json<{ subjects: { subject: string }[] }>(['schemas'], mode)
      assert.ok(subjects.some((s) => s.subject.startsWith(t.topic)))
    })

    test('produce --file: a bad line fails the run naming it; a good file is sent; tail and trace find it', async () => {
      const bad = join(dir, `bad-${mode}.ndjson`)
      writeFileSync(bad, `${JSON.stringify(loginInput(`cli-${mode}-0`))}\n{"eventType":"user_login"}\n`)
      const refused = await grimos(['produce', '--file', bad, '--topic', t.topic, '--json'], mode)
      assertOneLineError(refused, /1 invalid line/)
      const report = JSON.parse(refused.stdout) as { sent: number; results: { line: number }[] }
      assert.equal(report.sent, 0)
      assert.deepEqual(
        report.results.map((r) => r.line),
        [2],
      )
      const good = join(dir, `good-${mode}.ndjson`)
      const userId = `cli-${mode}-1`
      writeFileSync(good, `${JSON.stringify(loginInput(userId))}\n\n${JSON.stringify(loginInput(userId))}\n`)
      const sent = await json<{ sent: number; invalid: number }>(['produce', '--file', good, '--topic', t.topic], mode)
      assert.deepEqual([sent.sent, sent.invalid], [2, 0])

      const tail = await grimos(['tail', t.topic, '--from', '1h', '--user-id', userId, '--max', '2', '--json'], mode)
      assert.equal(tail.code, 0, tail.stderr)
      const lines = tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { userId: string; eventId: string })
      assert.deepEqual(
        lines.map((l) => l.userId),
        [userId, userId],
      )
      const traced = await json<{ steps: { kind: string; by?: string }[] }>(
        ['trace', lines[0]?.eventId as string, '--topic', t.topic],
        mode,
      )
      assert.equal(traced.steps[0]?.kind, 'published')
      assert.equal(traced.steps[0]?.by, mode === 'api' ? 'admin' : `cli:${userInfo().username}`)
    })

    test('dlq list, inspect, replay one, replay --all (preview, then --yes), discard', async () => {
      const seeded = await seedDeadLetter(t.topic, `cli-dlq-${mode}`)
      const { records } = await json<{ records: { partition: number; offset: string; eventId: string }[] }>(
        ['dlq', 'list', '--topic', dlq],
        mode,
      )
      const mine = records.find((r) => r.eventId === seeded.event.event_id)
      assert.ok(mine)
      const at = `${mine.partition}/${mine.offset}`
      const inspected = await json<{ decoded: { user_id: string } }>(['dlq', 'inspect', at, '--topic', dlq], mode)
      assert.equal(inspected.decoded.user_id, `cli-dlq-${mode}`)
      const replayed = await json<{ ok: boolean; to: { topic: string } }>(['dlq', 'replay', at, '--topic', dlq], mode)
      assert.equal(replayed.to.topic, t.topic)

      await seedDeadLetter(t.topic, `cli-dlq-${mode}-a`)
      const other = await seedDeadLetter(t.topic, `cli-dlq-${mode}-b`)
      const preview = await json<{ preview: { eventId: string }[] }>(
        ['dlq', 'replay', '--all', '--topic', dlq, '--limit', '1'],
        mode,
      )
      assert.equal(preview.preview.length, 1)
      const applied = await json<{ replayed: number }>(
        ['dlq', 'replay', '--all', '--yes', '--topic', dlq, '--limit', '1'],
        mode,
      )
      assert.equal(applied.replayed, 1)
      const left = await json<{ records: { partition: number; offset: string; eventId: string }[] }>(
        ['dlq', 'list', '--topic', dlq],
        mode,
      )
      const last = left.records.find((r) => r.eventId === other.event.event_id)
      assert.ok(last)
      const discarded = await json<{ status: string; statusReason: string }>(
        ['dlq', 'discard', `${last.partition}/${last.offset}`, '--topic', dlq, '--reason', 'cli test'],
        mode,
      )
      assert.deepEqual([discarded.status, discarded.statusReason], ['discarded', 'cli test'])
      assertOneLineError(
        await grimos(['dlq', 'discard', `${last.partition}/${last.offset}`, '--topic', dlq], mode),
        /--reason/,
      )
    })

    test('operators add, list, remove; the audit log names who acted', async () => {
      const name = `cli-${mode}-viewer`
      const added = await json<{ username: string; role: string; password: string }>(
        ['operators', 'add', name, '--role', 'viewer'],
        mode,
      )
      assert.equal(added.role, 'viewer')
      assert.ok(added.password.length >= 12)
      const { operators } = await json<{ operators: { username: string }[] }>(['operators', 'list'], mode)
      assert.ok(operators.some((o) => o.username === name))
      assert.deepEqual(await json(['operators', 'remove', name], mode), { removed: name })
      const piped = await grimos(
        ['operators', 'add', `${name}-2`, '--role', 'operator', '--password-stdin', '--json'],
        mode,
        'a long enough password\n',
      )
      assert.equal(piped.code, 0, piped.stderr)
      assert.equal((JSON.parse(piped.stdout) as { password?: string }).password, undefined)
      const { entries } = await json<{ entries: { principal: string; action: string }[] }>(
        ['audit', '--action', 'operator.remove'],
        mode,
      )
      assert.equal(
        entries[0]?.principal,
        mode === 'api' ? 'admin' : `cli:${userInfo().username}`,
        JSON.stringify(entries),
      )
    })

    test('errors are one line and exit 1', async () => {
      assertOneLineError(await grimos(['dlq', 'inspect', 'not-a-position'], mode), /<partition>\/<offset>/)
      assertOneLineError(await grimos(['topics', '--bogus'], mode), /bogus/)
      assertOneLineError(await grimos(['nonsense'], mode), /unknown command/)
      assertOneLineError(await grimos(['groups', 'no-such-group-here', '--json'], mode), /does not exist/)
    })
  })
}

test('--api without a reachable console is one clear line', async () => {
  const env = { ...process.env, GRIMOS_CONSOLE_URL: 'http://127.0.0.1:9', GRIMOS_CONSOLE_PASSWORD: 'x' }
  const run = await new Promise<Run>((resolve) =>
    execFile(process.execPath, [main, 'topics', '--api'], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, stdout, stderr }),
    ),
  )
  assertOneLineError(run, /fetch failed|ECONNREFUSED|console/)
})

test('a wrong console password is one clear line, and nothing is done', async () => {
  const env = {
    ...process.env,
    GRIMOS_CONSOLE_URL: t.url,
    GRIMOS_CONSOLE_USER: 'admin',
    GRIMOS_CONSOLE_PASSWORD: 'wrong password',
  }
  const run = await new Promise<Run>((resolve) =>
    execFile(process.execPath, [main, 'operators', 'add', 'never-added', '--api'], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, stdout, stderr }),
    ),
  )
  assertOneLineError(run, /CONSOLE_UNAUTHENTICATED/)
  const { operators } = await json<{ operators: { username: string }[] }>(['operators', 'list'])
  assert.ok(!operators.some((o) => o.username === 'never-added'))
})
