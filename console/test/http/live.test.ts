// The console's cluster views and live streams against the real stack: overview, topics, a group's lag and
// an offset reset (preview, then applied, refused while the group has members), schemas (diff, candidate
// check), and the SSE streams: tail, throughput and lag.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import {
  createUserEvent,
  EventSerde,
  KafkaGroupConsumer,
  KafkaInspector,
  KafkaProducer,
  userEventRecord,
} from '@grimos/events'
import { uniqueName } from '../../../test/support/index.ts'
import { Client, loginInput, startTestConsole } from '../support.ts'

const t = await startTestConsole('console-live')
const admin = new Client(t.url)
await admin.login('admin', t.adminPassword)
const producer = new KafkaProducer({ clientId: 'console-live-test' })
const serde = new EventSerde({ topic: t.topic, autoRegister: false })
after(() => Promise.all([producer.close(), serde.close()]))

async function publish(userId: string) {
  const event = createUserEvent(loginInput(userId))
  const [at] = await producer.send([userEventRecord(t.topic, event, await serde.encodeValidated(event))])
  return { event, at }
}

/** Reads SSE events from `path` until `count` of `name` arrived or the time is up. */
async function readEvents(path: string, name: string, count: number, whileOpen?: () => Promise<void>) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 15_000)
  const response = await fetch(t.url + path, { headers: { cookie: admin.cookie ?? '' }, signal: controller.signal })
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/)
  const events: unknown[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  void whileOpen?.()
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (block.startsWith(`event: ${name}\n`)) events.push(JSON.parse(block.split('\ndata: ')[1] as string))
      }
      if (events.length >= count) break
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
  return events
}

describe('console cluster views and live streams', () => {
  test('overview and topics', async () => {
    const overview = await admin.call<{ brokers: { healthy: boolean }[]; registry: { healthy: boolean } }>(
      'GET',
      '/api/overview',
    )
    assert.ok(overview.body.brokers.length >= 1)
    assert.ok(overview.body.brokers.every((b) => b.healthy))
    assert.equal(overview.body.registry.healthy, true)
    await publish('user-live-0')
    const detail = await admin.call<{ partitions: { high: string }[]; configs: Record<string, string | null> }>(
      'GET',
      `/api/topics/${t.topic}`,
    )
    assert.equal(detail.body.partitions.length, 6)
    assert.ok(detail.body.partitions.some((p) => BigInt(p.high) > 0n))
    assert.ok('retention.ms' in detail.body.configs)
    const missing = await admin.call('GET', '/api/topics/no.such.topic.here')
    assert.equal(missing.status, 404)
  })

  test('tail streams records published after it opened, decoded', async () => {
    const events = (await readEvents(`/api/topics/${t.topic}/tail?user_id=user-tail-1`, 'message', 1, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await publish('user-tail-2')
      await publish('user-tail-1')
    })) as { userId: string; valueFormat: string }[]
    assert.equal(events[0]?.userId, 'user-tail-1')
    assert.equal(events[0]?.valueFormat, 'avro')
  })

  test('a group: lag per partition, offset reset previewed, then applied; the lag stream samples it', async () => {
    const group = uniqueName('grimos-console-group')
    const inspector = new KafkaInspector({ clientId: 'console-live-test' })
    try {
      const { at } = await publish('user-group-1')
      assert.ok(at)
      await inspector.alterGroupOffsets(group, t.topic, [{ partition: at.partition, offset: 0n }])
      const detail = await admin.call<{ lag: string; partitions: { partition: number; lag: string }[] }>(
        'GET',
        `/api/groups/${group}`,
      )
      assert.ok(BigInt(detail.body.lag) >= 1n)
      const preview = await admin.call<{
        applied: boolean
        changes: { partition: number; from: string; to: string }[]
      }>('POST', `/api/groups/${group}/offsets`, { topic: t.topic, to: 'latest', partitions: [at.partition] })
      assert.equal(preview.body.applied, false)
      assert.equal(preview.body.changes[0]?.to, String(at.offset + 1n))
      const unchanged = await admin.call<{ lag: string }>('GET', `/api/groups/${group}`)
      assert.equal(unchanged.body.lag, detail.body.lag)
      const applied = await admin.call<{ applied: boolean }>('POST', `/api/groups/${group}/offsets`, {
        topic: t.topic,
        to: 'latest',
        partitions: [at.partition],
        dryRun: false,
      })
      assert.equal(applied.body.applied, true)
      const [sample] = (await readEvents(`/api/live/groups/${group}/lag`, 'sample', 1)) as { lag: number }[]
      assert.equal(sample?.lag, 0)
      const audit = await admin.call<{ entries: { action: string; target: string }[] }>(
        'GET',
        '/api/audit?action=group.reset-offsets',
      )
      assert.equal(audit.body.entries[0]?.target, `${group}/${t.topic}`)
    } finally {
      await inspector.close()
    }
  })

  test('an offset reset of a group with members is refused before anything is written', async () => {
    const group = uniqueName('grimos-console-active')
    const consumer = new KafkaGroupConsumer({ groupId: group, clientId: 'console-live-test' })
    try {
      const joined = new Promise<void>((resolve) => {
        void consumer.subscribe([t.topic], { onAssign: () => resolve(), onRevoke: async () => undefined })
      })
      await joined
      const refused = await admin.call<{ error: { code: string } }>('POST', `/api/groups/${group}/offsets`, {
        topic: t.topic,
        to: 'earliest',
        dryRun: false,
      })
      assert.equal(refused.status, 409)
      assert.equal(refused.body.error.code, 'CONSOLE_GROUP_ACTIVE')
    } finally {
      await consumer.close()
    }
  })

  test('paging oldest-first from an offset of one partition, then by cursor, without gaps or repeats', async () => {
    const userId = 'user-paging'
    const published = []
    for (let i = 0; i < 7; i++) published.push(await publish(userId))
    const partition = published[0]?.at?.partition as number
    const offsets = published.map((p) => String(p.at?.offset))
    const seen: string[] = []
    let cursor: string | undefined
    const start = offsets[1] as string
    do {
      const query = `partition=${partition}&offset=${start}&order=oldest&limit=2&key=${userId}${cursor ? `&cursor=${cursor}` : ''}`
      const page = await admin.call<{ messages: { offset: string }[]; nextCursor?: string }>(
        'GET',
        `/api/topics/${t.topic}/messages?${query}`,
      )
      assert.ok(page.body.messages.length <= 2)
      seen.push(...page.body.messages.map((m) => m.offset))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.deepEqual(seen, offsets.slice(1))
    const bad = await admin.call('GET', `/api/topics/${t.topic}/messages?cursor=bm90LWEtY3Vyc29y`)
    assert.equal(bad.status, 400)
  })

  test('throughput samples count what is published', async () => {
    const samples = (await readEvents('/api/live/throughput', 'sample', 2, async () => {
      for (let i = 0; i < 10; i++) {
        await publish(`user-rate-${i}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })) as { topics: { topic: string; inPerSec: number }[] }[]
    const ours = samples.flatMap((s) => s.topics.filter((x) => x.topic === t.topic))
    assert.ok(
      ours.some((x) => x.inPerSec > 0),
      JSON.stringify(ours),
    )
  })

  test('schemas: subjects, a version, a diff, a candidate check that registers nothing', async () => {
    const list = await admin.call<{ subjects: { subject: string; latestVersion: number; compatibility: string }[] }>(
      'GET',
      '/api/schemas',
    )
    const subject = serde.subjectFor('user_login')
    const mine = list.body.subjects.find((s) => s.subject === subject)
    assert.ok(mine)
    const version = await admin.call<{ schema: { fields: { name: string }[] } }>(
      'GET',
      `/api/schemas/${subject}/versions/${mine.latestVersion}`,
    )
    const schema = version.body.schema as { fields: unknown[] }
    const diff = await admin.call<{ changes: unknown[] }>('GET', `/api/schemas/${subject}/diff?from=1&to=1`)
    assert.deepEqual(diff.body.changes, [])
    const compatible = {
      ...schema,
      fields: [...schema.fields, { name: 'extra', type: ['null', 'string'], default: null }],
    }
    const ok = await admin.call<{ compatible: boolean }>('POST', `/api/schemas/${subject}/check`, {
      schema: JSON.stringify(compatible),
    })
    assert.equal(ok.body.compatible, true)
    const breaking = { ...schema, fields: [...schema.fields, { name: 'required_now', type: 'string' }] }
    const refused = await admin.call<{ compatible: boolean }>('POST', `/api/schemas/${subject}/check`, {
      schema: JSON.stringify(breaking),
    })
    assert.equal(refused.body.compatible, false)
    const after = await admin.call<{ subjects: { subject: string; latestVersion: number }[] }>('GET', '/api/schemas')
    assert.equal(after.body.subjects.find((s) => s.subject === subject)?.latestVersion, mine.latestVersion)
  })
})
