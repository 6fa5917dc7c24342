// The console API against the real stack: sessions (httpOnly cookie, CSRF), roles, unknown fields, the audit
// log with the real principal, produce with a bad line, and the DLQ: list, inspect, replay, discard, trace.
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { KafkaAdmin, KafkaProducer } from '@grimos/events'
import { ensureFirstOperator } from '../../src/auth/operators.ts'
import { Client, loginInput, seedDeadLetter, startTestConsole } from '../support.ts'

const t = await startTestConsole('console-api')
const admin = new Client(t.url)
const viewer = new Client(t.url)
const validLine = JSON.stringify(loginInput('user-api-1'))

describe('console API', () => {
  test('the first start created admin with a 0600 password file, and only once', async () => {
    const file = join(t.secretsDir, 'console-admin.password')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(await ensureFirstOperator(t.server.db, t.secretsDir), undefined)
  })

  test('nothing without a session; a wrong password is 401; login sets an httpOnly SameSite cookie', async () => {
    const anonymous = new Client(t.url)
    assert.equal((await anonymous.call('GET', '/api/topics')).status, 401)
    assert.deepEqual((await anonymous.call('GET', '/api/session')).body, { user: null })
    assert.equal((await anonymous.login('admin', 'not-the-password')).status, 401)
    const answer = await admin.login('admin', t.adminPassword)
    assert.equal(answer.status, 200)
    const cookie = answer.headers.get('set-cookie') ?? ''
    assert.match(cookie, /^grimos_console=[^;]{20,};/)
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Strict/)
    const session = await admin.call<{ user: { username: string; role: string }; csrfToken: string }>(
      'GET',
      '/api/session',
    )
    assert.deepEqual(session.body.user, { username: 'admin', role: 'operator' })
    assert.equal(session.body.csrfToken, admin.csrf)
  })

  test('a state-changing request without the CSRF token is refused', async () => {
    const body = { lines: [validLine], dryRun: true }
    const refused = await admin.call('POST', '/api/produce', body, { 'x-csrf-token': 'wrong' })
    assert.equal(refused.status, 403)
    assert.equal((refused.body as { error: { code: string } }).error.code, 'CONSOLE_CSRF')
    const ok = await admin.call('POST', '/api/produce', body)
    assert.equal(ok.status, 200)
  })

  test('unknown fields in a body or a query are a 400 naming the field', async () => {
    const body = await admin.call<{ error: { code: string; details: { field: string }[] } }>('POST', '/api/produce', {
      lines: [validLine],
      dryrun: true,
    })
    assert.equal(body.status, 400)
    assert.equal(body.body.error.details[0]?.field, 'dryrun')
    const query = await admin.call<{ error: { details: { field: string }[] } }>(
      'GET',
      `/api/topics/${t.topic}/messages?userid=x`,
    )
    assert.equal(query.status, 400)
    assert.equal(query.body.error.details[0]?.field, 'userid')
    const bounded = await admin.call('GET', `/api/topics/${t.topic}/messages?limit=100000`)
    assert.equal(bounded.status, 400)
  })

  test('operators add a viewer; the viewer reads but cannot replay, produce or add operators', async () => {
    const added = await admin.call('POST', '/api/operators', {
      username: 'viewer-1',
      password: 'a viewer password',
      role: 'viewer',
    })
    assert.equal(added.status, 201)
    assert.equal((await viewer.login('viewer-1', 'a viewer password')).status, 200)
    assert.equal((await viewer.call('GET', '/api/topics')).status, 200)
    for (const [method, path, body] of [
      ['POST', `/api/dlq/${t.topic}.dlq/records/0/0/replay`, {}],
      ['POST', '/api/produce', { lines: [validLine] }],
      ['POST', '/api/operators', { username: 'x', password: 'another password', role: 'operator' }],
    ] as const) {
      const answer = await viewer.call<{ error: { code: string } }>(method, path, body)
      assert.equal(answer.status, 403, path)
      assert.equal(answer.body.error.code, 'CONSOLE_FORBIDDEN')
    }
  })

  test('produce: a bad line is reported with its number and nothing is sent; good lines are sent', async () => {
    const lines = [validLine, '{"eventType":"user_login","userId":"u"}', 'not json']
    const refused = await admin.call<{ sent: boolean; invalid: number; results: { line: number; ok: boolean }[] }>(
      'POST',
      '/api/produce',
      { lines, firstLine: 10 },
    )
    assert.equal(refused.body.sent, false)
    assert.equal(refused.body.invalid, 2)
    assert.deepEqual(
      refused.body.results.filter((r) => !r.ok).map((r) => r.line),
      [11, 12],
    )
    const sent = await admin.call<{ sent: boolean; results: { offset?: string }[] }>('POST', '/api/produce', {
      lines: [validLine],
    })
    assert.equal(sent.body.sent, true)
    assert.ok(sent.body.results[0]?.offset)
    const page = await admin.call<{
      messages: { valueFormat: string; userId: string; schemaVersion?: number; subject?: string }[]
    }>('GET', `/api/topics/${t.topic}/messages?user_id=user-api-1`)
    assert.equal(page.body.messages[0]?.valueFormat, 'avro')
    assert.equal(page.body.messages[0]?.userId, 'user-api-1')
    assert.equal(page.body.messages[0]?.schemaVersion, 1)
    // The same schema is registered for other topics too (one id): the subject shown is this topic's.
    assert.ok(page.body.messages[0]?.subject?.startsWith(`${t.topic}-`), page.body.messages[0]?.subject)
  })

  test('DLQ: list, inspect, replay (audited as the logged-in operator), discard with a reason, trace', async () => {
    const dlq = `${t.topic}.dlq`
    const first = await seedDeadLetter(t.topic, 'user-dlq-1')
    const second = await seedDeadLetter(t.topic, 'user-dlq-2')
    const list = await admin.call<{
      records: { partition: number; offset: string; eventId: string; info: { errorClass: string } }[]
    }>('GET', `/api/dlq/${dlq}/records`)
    assert.equal(list.status, 200)
    assert.equal(list.body.records.length, 2)
    assert.equal(list.body.records[0]?.info.errorClass, 'GRIM_HANDLER_FAILED')
    const at = (eventId: string) => {
      const r = list.body.records.find((x) => x.eventId === eventId)
      assert.ok(r, eventId)
      return `${r.partition}/${r.offset}`
    }
    const one = at(first.event.event_id)
    const inspected = await admin.call<{ decoded: { user_id: string }; info: { errorStack?: string } }>(
      'GET',
      `/api/dlq/${dlq}/records/${one}`,
    )
    assert.equal(inspected.body.decoded.user_id, 'user-dlq-1')
    assert.ok(inspected.body.info.errorStack)

    const replayed = await admin.call<{ ok: boolean; to: { topic: string } }>(
      'POST',
      `/api/dlq/${dlq}/records/${one}/replay`,
      {
        reason: 'handler fixed',
      },
    )
    assert.equal(replayed.status, 200)
    assert.equal(replayed.body.to.topic, t.topic)
    const again = await admin.call<{ error: { code: string } }>('POST', `/api/dlq/${dlq}/records/${one}/replay`, {})
    assert.equal(again.body.error.code, 'GRIM_REPLAY_REFUSED')

    const discarded = await admin.call<{ status: string; statusReason: string; statusBy: string }>(
      'POST',
      `/api/dlq/${dlq}/records/${at(second.event.event_id)}/discard`,
      { reason: 'test data' },
    )
    assert.deepEqual(
      [discarded.body.status, discarded.body.statusReason, discarded.body.statusBy],
      ['discarded', 'test data', 'admin'],
    )

    const trace = await admin.call<{ steps: { kind: string; by?: string }[] }>(
      'GET',
      `/api/trace?event_id=${first.event.event_id}`,
    )
    assert.deepEqual(
      trace.body.steps.map((s) => s.kind),
      ['published', 'dead-lettered', 'replayed'],
    )
    assert.equal(trace.body.steps[0]?.by, 'seed')
    assert.equal(trace.body.steps[2]?.by, 'admin')

    const audit = await admin.call<{ entries: { principal: string; action: string; target: string }[] }>(
      'GET',
      '/api/audit',
    )
    const actions = audit.body.entries.map((e) => `${e.principal} ${e.action}`)
    for (const expected of ['admin dlq.replay', 'admin dlq.discard', 'admin produce', 'admin operator.add'])
      assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`)
  })

  test('replay many: a capped preview first, then per-record results', async () => {
    const dlq = `${t.topic}.dlq`
    await seedDeadLetter(t.topic, 'user-many-1')
    await seedDeadLetter(t.topic, 'user-many-2')
    await seedDeadLetter(t.topic, 'user-many-3')
    const preview = await admin.call<{ dryRun: boolean; preview: { partition: number; offset: string }[] }>(
      'POST',
      `/api/dlq/${dlq}/replay`,
      { limit: 2, dryRun: true },
    )
    assert.equal(preview.body.preview.length, 2)
    const applied = await admin.call<{ replayed: number; results: { ok: boolean }[] }>(
      'POST',
      `/api/dlq/${dlq}/replay`,
      {
        positions: preview.body.preview.map((r) => ({ partition: r.partition, offset: r.offset })),
        dryRun: false,
      },
    )
    assert.equal(applied.body.replayed, 2)
    const left = await admin.call<{ records: unknown[] }>('GET', `/api/dlq/${dlq}/records`)
    assert.equal(left.body.records.length, 1)
  })

  test('Spring and Connect dead letters are listed and inspected like ours', async () => {
    const spring = `${t.topic}-dlt`
    const connect = `${t.topic}.connect-errors.dlq`
    const admin_ = new KafkaAdmin({ clientId: 'console-test' })
    const producer = new KafkaProducer({ clientId: 'console-test' })
    const int = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeInt32BE(n)
      return b
    }
    const long = (n: bigint) => {
      const b = Buffer.alloc(8)
      b.writeBigInt64BE(n)
      return b
    }
    try {
      for (const topic of [spring, connect])
        await admin_.ensureTopic(topic, { partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 })
      await producer.send([
        {
          topic: spring,
          key: 'k1',
          value: Buffer.from('{"id":1}'),
          headers: new Map<string, Buffer>([
            ['kafka_dlt-original-topic', Buffer.from('orders')],
            ['kafka_dlt-original-partition', int(2)],
            ['kafka_dlt-original-offset', long(41n)],
            ['kafka_dlt-exception-fqcn', Buffer.from('java.lang.IllegalStateException')],
            ['kafka_dlt-exception-message', Buffer.from('no stock')],
          ]),
        },
        {
          topic: connect,
          key: 'k2',
          value: Buffer.from('{"id":2}'),
          headers: new Map<string, Buffer>([
            ['__connect.errors.topic', Buffer.from('payments')],
            ['__connect.errors.partition', Buffer.from('0')],
            ['__connect.errors.offset', Buffer.from('7')],
            ['__connect.errors.exception.class.name', Buffer.from('org.apache.kafka.connect.errors.DataException')],
            ['__connect.errors.exception.message', Buffer.from('bad schema')],
            ['__connect.errors.connector.name', Buffer.from('jdbc-sink')],
          ]),
        },
      ])
      const listed = await admin.call<{ topics: { topic: string }[] }>('GET', '/api/dlq')
      for (const topic of [spring, connect])
        assert.ok(
          listed.body.topics.some((x) => x.topic === topic),
          topic,
        )
      type Page = {
        records: {
          info: {
            format: string
            originalTopic: string
            originalOffset: string
            errorClass: string
            extra: Record<string, string>
          }
        }[]
      }
      const s = (await admin.call<Page>('GET', `/api/dlq/${spring}/records`)).body.records[0]?.info
      assert.deepEqual(
        [s?.format, s?.originalTopic, s?.originalOffset, s?.errorClass],
        ['spring', 'orders', '41', 'java.lang.IllegalStateException'],
      )
      const c = (await admin.call<Page>('GET', `/api/dlq/${connect}/records`)).body.records[0]?.info
      assert.deepEqual(
        [c?.format, c?.originalTopic, c?.originalOffset, c?.extra.connector],
        ['connect', 'payments', '7', 'jdbc-sink'],
      )
    } finally {
      const existing = await admin_.listTopics()
      const made = [spring, connect, `${spring}.status`, `${connect}.status`]
      await admin_.deleteTopics(made.filter((topic) => existing.includes(topic)))
      await Promise.all([admin_.close(), producer.close()])
    }
  })

  test('failed logins are limited per username (429 with retry-after)', async () => {
    const attacker = new Client(t.url)
    for (let i = 0; i < 5; i++) assert.equal((await attacker.login('viewer-1', `wrong ${i}`)).status, 401)
    const limited = await attacker.login('viewer-1', 'a viewer password')
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.headers.get('retry-after')) > 0)
  })
})
