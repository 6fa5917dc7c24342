import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic } from '../../../../test/support/index.ts'
import { DeadLetterQueue, DeadLetterWriter, REPLAY_HEADERS } from '../../src/dlq/index.ts'
import { GrimError } from '../../src/errors.ts'
import { eventValue, jsonDecoder, pause, readAll, readRange, seedDeadLetters } from './seed.ts'

const companions = ['.dlq', '.dlq.status']

function openQueue(topic: string, maxReplays = 3) {
  const queue = new DeadLetterQueue({ sourceTopic: topic, maxReplays, decoder: jsonDecoder })
  after(() => queue.close())
  return queue
}

test('replay sends the original key, value and headers back, strips DLQ headers, adds provenance', async () => {
  const topic = await createTestTopic('dlq-replay', 3, companions)
  const value = eventValue('user_updated', 'e-10')
  const [dead] = await seedDeadLetters(topic, [
    {
      key: 'user-10',
      value,
      headers: {
        event_type: 'user_updated',
        event_id: 'e-10',
        traceparent: '00-aa-bb-01',
        'grimos.retry.attempt': '2',
      },
      error: new GrimError('GRIM_HANDLER_FAILED', 'downstream 503'),
    },
  ])
  assert.ok(dead)
  const queue = openQueue(topic, 2)
  const position = { partition: dead.partition, offset: dead.offset }
  const before = await readAll(topic)

  const outcome = await queue.replay(position, { by: 'ops@grimos' })
  assert.equal(outcome.to.topic, topic)
  assert.equal(outcome.replayCount, 1)
  const [copy] = await readRange(topic, outcome.to.partition, outcome.to.offset, outcome.to.offset + 1n)
  assert.ok(copy, 'the replayed copy is on the original topic')
  assert.equal((await readAll(topic)).length, before.length + 1)
  assert.equal(copy.key?.toString(), 'user-10')
  assert.deepEqual(copy.value, value)
  assert.equal(copy.headers.get('event_id')?.toString(), 'e-10')
  assert.equal(copy.headers.get('traceparent')?.toString(), '00-aa-bb-01')
  const stripped = [...copy.headers.keys()].filter(
    (name) => name.startsWith('grimos.dlq.') || name.startsWith('grimos.retry.'),
  )
  assert.deepEqual(stripped, [])
  assert.equal(
    copy.headers.get(REPLAY_HEADERS.replayedFrom)?.toString(),
    `${topic}.dlq/${dead.partition}/${dead.offset}`,
  )
  assert.equal(copy.headers.get(REPLAY_HEADERS.replayCount)?.toString(), '1')
  assert.ok(Date.now() - Date.parse(copy.headers.get(REPLAY_HEADERS.replayedAt)?.toString() ?? '') < 60_000)

  const record = await queue.inspect(position)
  assert.equal(record.status, 'replayed')
  assert.equal(record.statusBy, 'ops@grimos')
  assert.equal(record.replayCount, 1)
  assert.deepEqual(
    (await queue.list()).records.map((r) => r.key),
    [],
    'a replayed record is no longer pending',
  )

  await assert.rejects(queue.replay(position), { code: 'GRIM_REPLAY_REFUSED' })
  const forced = await queue.replay(position, { force: true })
  assert.equal(forced.replayCount, 2)
  await assert.rejects(queue.replay(position, { force: true }), { code: 'GRIM_REPLAY_LIMIT' })

  // The second copy fails again and is dead-lettered anew: its headers carry the count, so the cap holds.
  const [secondCopy] = await readRange(topic, forced.to.partition, forced.to.offset, forced.to.offset + 1n)
  assert.ok(secondCopy)
  const deadAgain = await seedFromRecord(topic, secondCopy)
  const again = await queue.inspect(deadAgain)
  assert.equal(again.replayCount, 2)
  assert.equal(again.status, 'pending')
  await assert.rejects(queue.replay(deadAgain), { code: 'GRIM_REPLAY_LIMIT' })
})

/** Dead-letters an already consumed record as the consumer would after it failed again. */
async function seedFromRecord(topic: string, record: Awaited<ReturnType<typeof readRange>>[number]) {
  const writer = new DeadLetterWriter()
  try {
    const now = new Date()
    const position = await writer.deadLetter(record, 'test-group', {
      error: new Error('still failing'),
      attempts: 1,
      firstFailureAt: now,
      lastFailureAt: now,
    })
    assert.equal(position.topic, `${topic}.dlq`)
    return { partition: position.partition, offset: position.offset }
  } finally {
    await writer.close()
  }
}

test('replayMany replays what the filter matches and reports records over the cap as skipped', async () => {
  const topic = await createTestTopic('dlq-replay-many', 3, companions)
  await seedDeadLetters(topic, [
    { key: 'user-a', value: eventValue('user_login', 'e-a'), error: new TypeError('a') },
    { key: 'user-b', value: eventValue('user_logout', 'e-b'), error: new GrimError('GRIM_HANDLER_FAILED', 'b') },
  ])
  await pause(50)
  const between = new Date()
  await pause(50)
  await seedDeadLetters(topic, [
    { key: 'user-c', value: eventValue('user_logout', 'e-c'), error: new RangeError('c') },
    { key: 'user-d', value: eventValue('user_deleted', 'e-d'), error: new TypeError('d') },
    {
      key: 'user-e',
      value: eventValue('user_deleted', 'e-e'),
      headers: { [REPLAY_HEADERS.replayCount]: '3' },
      error: new TypeError('e'),
    },
  ])
  const queue = openQueue(topic, 3)
  const keysOf = async (positions: { partition: number; offset: bigint }[]) =>
    (await Promise.all(positions.map((p) => queue.inspect(p)))).map((r) => r.key).sort()

  // The event type comes from the decoded value here: these records carry no event_type header.
  const byType = await queue.replayMany({ eventType: 'user_login' })
  assert.deepEqual(await keysOf(byType.replayed.map((r) => r.from)), ['user-a'])
  assert.deepEqual(byType.skipped, [])

  const byClass = await queue.replayMany({ errorClass: 'GRIM_HANDLER_FAILED' })
  assert.deepEqual(await keysOf(byClass.replayed.map((r) => r.from)), ['user-b'])

  const byKey = await queue.replayMany({ key: 'user-c' })
  assert.deepEqual(await keysOf(byKey.replayed.map((r) => r.from)), ['user-c'])

  const byTime = await queue.replayMany({ from: between })
  assert.deepEqual(await keysOf(byTime.replayed.map((r) => r.from)), ['user-d'])
  assert.equal(byTime.skipped.length, 1)
  assert.equal(byTime.skipped[0]?.code, 'GRIM_REPLAY_LIMIT')
  assert.deepEqual(await keysOf(byTime.skipped.map((s) => s.position)), ['user-e'])

  const replayedCopies = (await readAll(topic)).filter((r) => r.headers.has(REPLAY_HEADERS.replayedFrom))
  assert.deepEqual(replayedCopies.map((r) => r.key?.toString()).sort(), ['user-a', 'user-b', 'user-c', 'user-d'])
  assert.deepEqual(
    (await queue.list()).records.map((r) => r.key),
    ['user-e'],
    'only the record over the cap is still pending',
  )
  // Nothing pending matches any more: a second run is a no-op, not a second replay.
  assert.deepEqual(await queue.replayMany({ eventType: 'user_login' }), { replayed: [], skipped: [] })
})
