// Background publishing survives the real broker being stopped mid-stream: batches already handed to the send
// worker fail, later ones are held back and spilled behind them, and once Kafka is back the spill goes out before
// anything newer. Every event arrives, in call order per user. Runs alone (phase 2 of npm test).
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Registry } from 'prom-client'
import { kafkaAnswers } from '../../infra/stack/kafka.ts'
import { stopProcess } from '../../infra/stack/processes.ts'
import { up } from '../../infra/stack/stack.ts'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { EventPublisher } from '../../packages/events/src/producer/index.ts'
import { SpillFile } from '../../packages/events/src/producer/spill.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { chaosLoginInput, createTestTopic, deleteSubjectsAfter, readAll } from '../support/index.ts'

const users = Array.from({ length: 5 }, (_, i) => `0190d5a2-7c1e-7b3a-9f00-10000000000${i}`)

test('background events published while Kafka is stopped are spilled in order and sent first once it is back', async () => {
  const topic = await createTestTopic('background-chaos', 3)
  const serde = new EventSerde({ topic })
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))
  const spillFile = join(mkdtempSync(join(tmpdir(), 'grimos-chaos-spill-')), 'events.ndjson')
  const failed: string[] = []
  const publisher = new EventPublisher({
    topic,
    clientId: 'chaos-background',
    requestTimeoutMs: 500,
    deadlineMs: 2_000,
    retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 500, jitter: 0.2, maxAttempts: 20 },
    queue: { capacity: 10_000, overflow: 'reject', batchSize: 50 },
    spillFile,
    metricsRegistry: new Registry(),
    serde,
    onBackgroundFailure: (event) => failed.push(event.event_id),
  })
  after(async () => {
    await publisher.close()
    await serde.close()
  })

  const published: { userId: string; eventId: string }[] = []
  let n = 0
  const burst = (count: number) => {
    for (let i = 0; i < count; i++, n++) {
      const userId = users[n % users.length] as string
      published.push({ userId, eventId: publisher.publishInBackground(chaosLoginInput(userId, n)).eventId })
    }
  }

  burst(500)
  await publisher.flush(30_000)
  assert.equal(failed.length, 0, 'the broker is up: nothing failed')

  let spilledWhileDown = 0
  try {
    await stopProcess('kafka')
    assert.equal(await kafkaAnswers(1000).catch(() => false), false, 'the broker is really down')
    // Ten batches handed to the send worker at once: the first fails after its retries, the rest are held back.
    burst(500)
    await publisher.flush(30_000)
    burst(100)
    await publisher.flush(30_000)
    spilledWhileDown = await new SpillFile(spillFile).count()
  } finally {
    await up(undefined, ['kafka'])
  }
  assert.equal(failed.length, 600, 'every event published while Kafka was down was reported')
  assert.equal(spilledWhileDown, 600, 'and kept in the spill file')

  // Newer events wait for the spill to be re-sent (at most one attempt per maxDelayMs), then follow it.
  const deadline = Date.now() + 60_000
  while ((await new SpillFile(spillFile).count()) > 0 && Date.now() < deadline) {
    burst(5)
    await publisher.flush(30_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  burst(200)
  await publisher.flush(30_000)
  assert.equal(await new SpillFile(spillFile).count(), 0, 'the spill file was emptied')

  const records = await readAll(topic)
  const arrived = new Map<string, string>()
  for (const record of records) {
    const eventId = record.headers.get('event_id')?.toString() ?? ''
    if (!arrived.has(eventId)) arrived.set(eventId, record.key?.toString() ?? '')
  }
  assert.equal(arrived.size, published.length, 'every event arrived')
  for (const userId of users) {
    const expected = published.filter((p) => p.userId === userId).map((p) => p.eventId)
    const got = [...arrived].filter(([, key]) => key === userId).map(([eventId]) => eventId)
    assert.deepEqual(got, expected, `call order of ${userId}`)
  }
  assert.ok(records.length - published.length <= 50, `duplicates bounded, got ${records.length - published.length}`)
})
