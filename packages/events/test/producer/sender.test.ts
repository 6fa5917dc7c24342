import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createTestTopic, kafkaBrokers, readAll } from '../../../../test/support/index.ts'
import { PackedBatchBuilder } from '../../src/producer/packed-batch.ts'
import { BatchSender } from '../../src/producer/sender.ts'

const worker = {
  youngGenerationMb: 16,
  compression: 'none' as const,
  pipeline: { maxInFlight: 2, maxRequestRecords: 500, lingerMs: 0 },
}
const retry = { initialDelayMs: 20, multiplier: 2, maxDelayMs: 50, jitter: 0, maxAttempts: 3 }

function batch(topic: string, values: string[]) {
  const builder = new PackedBatchBuilder(topic)
  for (const value of values)
    builder.add('same-key', { event_id: value }, (target, offset) => offset + target.write(value, offset))
  return builder.build()
}

test('batches posted back to back reach the broker in the order they were posted', async () => {
  const topic = await createTestTopic('sender', 1)
  const sender = new BatchSender(
    { connection: { bootstrapBrokers: kafkaBrokers }, retry, deadlineMs: 10_000, ...worker },
    () => {
      throw new Error('no retry expected')
    },
  )
  after(() => sender.close())
  const sends = [['a', 'b'], ['c'], ['d', 'e', 'f']].map((values) => sender.send(batch(topic, values), 'test'))
  // One partition: each batch is acknowledged at its base offset.
  const positions = (await Promise.all(sends)).flat()
  assert.deepEqual(
    positions.map((p) => p.offset),
    [0n, 2n, 3n],
  )
  const records = await readAll(topic)
  assert.deepEqual(
    records.map((r) => r.value?.toString()),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  )
  assert.deepEqual(
    records.map((r) => r.headers.get('event_id')?.toString()),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  )
})

test('after a batch fails for good, later ones are held back until resume', async () => {
  const sender = new BatchSender(
    {
      connection: { bootstrapBrokers: ['127.0.0.1:1'], requestTimeoutMs: 200 },
      retry,
      deadlineMs: 300,
      ...worker,
    },
    () => undefined,
  )
  after(() => sender.close())
  const topic = 'grimos.unreachable'

  const first = sender.send(batch(topic, ['1']), 'first')
  const second = sender.send(batch(topic, ['2']), 'second')
  await assert.rejects(first, /first failed after/)
  await assert.rejects(second, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'GRIM_PUBLISH_FAILED')
    assert.match(error.message, /second held back: an earlier batch failed/)
    return true
  })

  // Once the publisher kept the failed events it resumes: the next batch is really tried again.
  sender.resume()
  await assert.rejects(sender.send(batch(topic, ['3']), 'third'), /third failed after/)
})

test('a worker that dies fails its batches (to be kept), holds later ones back, and is replaced after resume', async () => {
  // No broker list: the worker's producer refuses its options at start-up, so the worker dies.
  const sender = new BatchSender(
    { connection: { bootstrapBrokers: [] }, retry, deadlineMs: 300, ...worker },
    () => undefined,
  )
  after(() => sender.close())
  const topic = 'grimos.never'
  await assert.rejects(sender.send(batch(topic, ['1']), 'first'), /send worker (failed|exited)/)
  await assert.rejects(sender.send(batch(topic, ['2']), 'second'), /second held back/)
  sender.resume()
  await assert.rejects(sender.send(batch(topic, ['3']), 'third'), /send worker (failed|exited)/)
})

test('give-up fails the batch being retried and those waiting at once, holds later ones back, and lifts on resume', async () => {
  const sender = new BatchSender(
    {
      connection: { bootstrapBrokers: ['127.0.0.1:1'], requestTimeoutMs: 200 },
      retry: { initialDelayMs: 100, multiplier: 1, maxDelayMs: 100, jitter: 0, maxAttempts: 1_000 },
      deadlineMs: 60_000,
      ...worker,
    },
    () => undefined,
  )
  after(() => sender.close())
  const first = sender.send(batch('nowhere', ['a']), 'first')
  const second = sender.send(batch('nowhere', ['b']), 'second')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = Date.now()
  sender.giveUp()
  await assert.rejects(first, /first given up: the queue overflowed to the spill file/)
  await assert.rejects(second, /held back/)
  assert.ok(Date.now() - started < 5_000, `settled ${Date.now() - started} ms after the give-up, not at the deadline`)
  await assert.rejects(sender.send(batch('nowhere', ['c']), 'third'), /held back/)
  sender.resume()
  // After resume it retries again: still waiting a moment later, not refused at once.
  const fourth = sender.send(batch('nowhere', ['d']), 'fourth')
  const early = await Promise.race([
    fourth.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((r) => setTimeout(() => r('waiting'), 700)),
  ])
  assert.equal(early, 'waiting')
  sender.giveUp()
  await assert.rejects(fourth, /given up/)
})
