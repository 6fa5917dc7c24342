// The services' own main.ts, run as `npm start` runs them, stopped with SIGTERM: each shuts down in its order and
// exits 0. The e2e support (support.ts) wires the same parts in the test process, so it cannot see main.ts get
// the order wrong; these tests read it from the child's log.
// - auth-service: HTTP first (no new writes), then the outbox relay drains, then the database closes. A row
//   written just before the signal is sent, not left pending.
// - event-consumer: the consumer stops (commits, leaves the group) before the database it writes to closes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { openDatabase } from '../../packages/events/src/db/index.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { freePort, uniqueSchema } from '../support/chaos.ts'
import { createTestTopic, databaseUrl, deleteSubjectsAfter } from '../support/index.ts'
import { type Service, startService } from '../support/services.ts'

const topic = await createTestTopic('shutdown', 3, ['.retry', '.dlq', '.dlq.status'])
// The services register the schemas under the test topic's subjects; a serde on the same topic names them.
const subjects = new EventSerde({ topic })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => subjects.subjectFor(type)))
after(() => subjects.close())
const logDir = mkdtempSync(join(tmpdir(), 'grimos-shutdown-'))
const schemas: string[] = []
after(async () => {
  const db = await openDatabase({ url: databaseUrl })
  try {
    for (const schema of schemas) await db.exec(`drop schema if exists "${schema}" cascade`)
  } finally {
    await db.close()
  }
})

const common = {
  HOST: '127.0.0.1',
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  DATABASE_URL: databaseUrl,
  USER_EVENTS_TOPIC: topic,
}

/** SIGTERM, then the exit code and the JSON lines the service logged. */
async function terminate(service: Service): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const exited = once(service.proc, 'exit')
  service.proc.kill('SIGTERM')
  const [code] = (await exited) as [number | null]
  const lines = readFileSync(service.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { code, lines }
}

/** Index of the first line `match` accepts; fails naming what is missing. */
function indexOf(lines: Record<string, unknown>[], what: string, match: (line: Record<string, unknown>) => boolean) {
  const index = lines.findIndex(match)
  assert.ok(index >= 0, `no "${what}" line in the log`)
  return index
}

test('auth-service main.ts: SIGTERM closes HTTP, drains the outbox relay, then the database, and exits 0', async () => {
  const schema = uniqueSchema('auth_shutdown')
  schemas.push(schema)
  const port = await freePort()
  const service = await startService(
    'auth-service',
    {
      ...common,
      PORT: String(port),
      AUTH_DB_SCHEMA: schema,
      JWT_SECRET: randomBytes(48).toString('base64url'),
    },
    logDir,
  )
  // A change right before the signal: its event is in the outbox, maybe not yet relayed.
  const registered = await fetch(`${service.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `shutdown.${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      full_name: 'Shut Down',
    }),
  })
  assert.equal(registered.status, 201)
  const { code, lines } = await terminate(service)
  assert.equal(code, 0, 'a clean exit')

  const signal = indexOf(lines, 'shutting down', (l) => l.msg === 'shutting down')
  const relay = indexOf(lines, 'outbox relay step', (l) => l.msg === 'shutdown step' && l.step === 'outbox relay')
  const database = indexOf(lines, 'database step', (l) => l.msg === 'shutdown step' && l.step === 'database')
  const stopped = indexOf(lines, 'stopped', (l) => l.msg === 'stopped')
  assert.ok(signal < relay && relay < database && database < stopped, 'signal, relay, database, stopped')

  // The relay drained before the database closed: nothing the service accepted is left pending.
  const db = await openDatabase({ url: databaseUrl, schema })
  try {
    const rows = await db.query<{ status: string }>('select status from grimos_outbox')
    assert.ok(rows.length > 0, 'the registration wrote to the outbox')
    assert.deepEqual(
      rows.filter((r) => r.status !== 'sent'),
      [],
    )
  } finally {
    await db.close()
  }
})

test('event-consumer main.ts: SIGTERM stops the consumer before the database closes, and exits 0', async () => {
  const schema = uniqueSchema('consumer_shutdown')
  schemas.push(schema)
  const port = await freePort()
  const service = await startService(
    'event-consumer',
    {
      ...common,
      PORT: String(port),
      DATABASE_SCHEMA: schema,
      CONSUMER_GROUP_ID: `${topic}.group`,
      OPERATOR_TOKEN: randomBytes(24).toString('base64url'),
    },
    logDir,
  )
  const { code, lines } = await terminate(service)
  assert.equal(code, 0, 'a clean exit')
  const signal = indexOf(lines, 'shutting down', (l) => l.msg === 'shutting down')
  const consumerStopped = indexOf(lines, 'consumer stopped', (l) => String(l.msg).startsWith('consumer stopped'))
  const databaseClosed = indexOf(lines, 'database closed', (l) => l.msg === 'database closed')
  const stopped = indexOf(lines, 'stopped', (l) => l.msg === 'stopped')
  assert.ok(signal < consumerStopped, 'the consumer stops after the signal')
  assert.ok(consumerStopped < databaseClosed, 'the consumer stops before the database closes')
  assert.ok(databaseClosed < stopped)
})
