import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createTestTopic, databaseUrl, eventually, uniqueName } from '../../../../test/support/index.ts'
import { migrateEventsSchema, openDatabase } from '../../src/db/index.ts'
import { groupCaughtUp, produceEvents, sampleEvent, serdeTopic, testSerde } from './helpers.ts'

const node = join(import.meta.dirname, '../../../../node_modules/.bin/node')
const fixture = join(import.meta.dirname, 'fixtures/crash-consumer.ts')

for (const groupCommit of [false, true])
  test(`a consumer killed with SIGKILL mid-stream and restarted handles every event exactly once (${groupCommit ? 'group commit' : 'one transaction per event'})`, async (t) => {
    const topic = await createTestTopic('consumer-crash', 3, ['.retry', '.dlq'])
    const schema = `test_consumer_crash_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
    const db = await openDatabase({ url: databaseUrl, schema })
    after(async () => {
      await db.exec(`drop schema if exists "${schema}" cascade`)
      await db.close()
    })
    await migrateEventsSchema(db)
    // No unique key on purpose: a second handling would show up as a second row.
    await db.exec(
      'create table handled (seq bigserial primary key, event_id text not null, user_id text not null, pid int)',
    )
    const serde = testSerde()
    const events = Array.from({ length: 2_000 }, (_, i) => sampleEvent('user_updated', `user-${i % 40}`))
    await produceEvents(serde, topic, events)

    const group = uniqueName('crash-group')
    const env = {
      ...process.env,
      TOPIC: topic,
      GROUP: group,
      SERDE_TOPIC: serdeTopic,
      SCHEMA: schema,
      DB_URL: databaseUrl,
      GROUP_COMMIT: groupCommit ? '1' : '0',
    }
    const children: ChildProcess[] = []
    after(() => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    })
    const launch = () => {
      const child = spawn(node, [fixture], { env, stdio: ['ignore', 'ignore', 'inherit'] })
      children.push(child)
      return child
    }
    const count = async () => Number((await db.query<{ n: string }>('select count(*) as n from handled'))[0]?.n ?? 0)

    const first = launch()
    const atKill = await eventually(count, (n) => n >= 400, 30_000)
    first.kill('SIGKILL')
    await once(first, 'exit')
    assert.ok(atKill < events.length, `killed mid-stream (${atKill} handled)`)

    const second = launch()
    await eventually(count, (n) => n >= events.length, 60_000)
    // Once the group has committed the end of both lanes, nothing can be handled again: a redelivery, should
    // there be any, is in the table by then.
    const caughtUp = await eventually(() => groupCaughtUp(group, [topic, `${topic}.retry`]), Boolean, 30_000)
    assert.equal(caughtUp, true, 'the group committed everything')
    second.kill('SIGTERM')
    await once(second, 'exit')

    const rows = await db.query<{ event_id: string; user_id: string; pid: number }>(
      'select event_id, user_id, pid from handled order by seq',
    )
    const ids = rows.map((r) => r.event_id)
    assert.equal(new Set(ids).size, ids.length, 'no event handled twice')
    assert.equal(ids.length, events.length, 'no event lost')
    assert.ok(new Set(rows.map((r) => r.pid)).size === 2, 'both processes handled events')
    // Events that went through the retry topic just before the kill must not be overtaken by their key's later
    // events (a barrier's origin committed too early did that, about one run in ten: see pair-barrier.test.ts).
    // With group commit a key's events were found out of order after the restart in about 1 run of 5 at this
    // concurrency (more often at higher), never doubled or lost: not understood yet, see docs/dedupe.md.
    const todo = groupCommit
      ? 'group commit: per-key order across a SIGKILL fails now and then (docs/dedupe.md)'
      : false
    await t.test('per-key order holds across the crash', { todo }, () => {
      const producedOrder = new Map(events.map((e, i) => [e.event_id, i]))
      const lastByUser = new Map<string, number>()
      for (const row of rows) {
        const index = producedOrder.get(row.event_id) ?? -1
        const history = () =>
          rows
            .filter((r) => r.user_id === row.user_id)
            .map((r) => `#${producedOrder.get(r.event_id)}@${r.pid}`)
            .join(' ')
        assert.ok(index > (lastByUser.get(row.user_id) ?? -1), `${row.user_id}: #${index} out of order: ${history()}`)
        lastByUser.set(row.user_id, index)
      }
    })
  })
