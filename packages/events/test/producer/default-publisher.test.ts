// The process-wide publisher that services call without holding an instance: configurePublisher,
// publishUserEvent, publishUserEventInBackground and closePublisher. Real broker and registry.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Registry } from 'prom-client'
import { createTestTopic, deleteSubjectsAfter, readAll } from '../../../../test/support/index.ts'
import { USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import {
  closePublisher,
  configurePublisher,
  publishUserEvent,
  publishUserEventInBackground,
} from '../../src/producer/index.ts'
import { SpillFile } from '../../src/producer/spill.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

const topic = await createTestTopic('default-publisher', 3)
const serde = new EventSerde({ topic })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))
const spillDir = mkdtempSync(join(tmpdir(), 'grimos-default-'))
after(async () => {
  await closePublisher()
  await serde.close()
})

const idsIn = async () => (await readAll(topic)).map((r) => r.headers.get('event_id')?.toString())

test('configure, publish, publish in the background, close: the close flushes, and a new configure starts over', async () => {
  const options = { topic, clientId: 'default-publisher-test', metricsRegistry: new Registry() }
  const first = configurePublisher({ ...options, spillFile: join(spillDir, 'first.ndjson') })
  assert.throws(() => configurePublisher(options), /before the first publish/, 'one process-wide publisher at a time')

  const sync = await publishUserEvent(validInputs.user_login)
  assert.equal(sync.topic, topic, 'the configured topic, not the default one')
  assert.ok((await idsIn()).includes(sync.eventId), 'a sync publish resolves once the broker has it')
  const background = publishUserEventInBackground(validInputs.user_logout)
  await closePublisher()
  assert.ok((await idsIn()).includes(background.eventId), 'closePublisher flushed the background queue')
  await assert.rejects(first.publish(validInputs.user_login), { code: 'GRIM_CLOSED' })

  // After a close the process may configure again (a test, or a service that reconnects with new options).
  const second = configurePublisher({ ...options, spillFile: join(spillDir, 'second.ndjson') })
  assert.notEqual(second, first)
  const again = await publishUserEvent(validInputs.user_updated)
  assert.ok((await idsIn()).includes(again.eventId))
  await closePublisher()
  await closePublisher() // nothing open: resolves
})

test("a background event's failure reaches the callback given to publishUserEventInBackground, and is spilled", async () => {
  const spillFile = join(spillDir, 'down.ndjson')
  configurePublisher({
    topic,
    clientId: 'default-publisher-down',
    bootstrapBrokers: ['127.0.0.1:1'],
    requestTimeoutMs: 200,
    deadlineMs: 500,
    ensureTopic: false,
    serde,
    spillFile,
    metricsRegistry: new Registry(),
  })
  const failures: string[] = []
  const { eventId } = publishUserEventInBackground(validInputs.user_password_changed, (event, error) =>
    failures.push(`${event.event_id}:${error.code}`),
  )
  await closePublisher(20_000)
  assert.deepEqual(failures, [`${eventId}:GRIM_PUBLISH_FAILED`])
  assert.equal(await new SpillFile(spillFile).count(), 1, 'kept for the next start')
})
