import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BackgroundQueue, type BatchDrain } from '../../src/producer/background-queue.ts'

const later = (ms = 2) => new Promise((resolve) => setTimeout(resolve, ms))

/** The same drain on the fast and the slow path. */
const eitherPath = (drain: (batch: number[]) => Promise<void>) => ({ handOver: drain, drainBatch: drain })

/** Records batches; hands over while `handOver` says so, the way the publisher does once it is started. */
function recordingDrain(handOver: () => boolean) {
  const batches: number[][] = []
  let inFlight = 0
  let maxInFlight = 0
  const drain: BatchDrain<number> = {
    canHandOver: handOver,
    ...eitherPath(async (batch) => {
      batches.push(batch)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await later()
      inFlight--
    }),
  }
  return { drain, batches, maxInFlight: () => maxInFlight }
}

test('on the slow path a burst drains in order, in batches of at most batchSize, one batch at a time', async () => {
  const { drain, batches, maxInFlight } = recordingDrain(() => false)
  const queue = new BackgroundQueue<number>({ capacity: 100, batchSize: 4 }, drain, () => undefined)
  for (let i = 0; i < 10; i++) queue.push(i)
  await queue.flush(1000)
  assert.deepEqual(batches, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ])
  assert.equal(maxInFlight(), 1, 'never two batches at once')
  assert.equal(queue.depth, 0)
})

test('on the fast path a full batch is handed over inside the push that completed it, in order', async () => {
  const { drain, batches, maxInFlight } = recordingDrain(() => true)
  const queue = new BackgroundQueue<number>({ capacity: 100, batchSize: 4 }, drain, () => undefined)
  for (let i = 0; i < 4; i++) queue.push(i)
  assert.deepEqual(batches, [[0, 1, 2, 3]], 'handed over synchronously')
  for (let i = 4; i < 10; i++) queue.push(i)
  assert.deepEqual(batches, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ])
  assert.equal(queue.depth, 10, 'handed-over events count until settled')
  await queue.flush(1000)
  assert.deepEqual(batches.at(-1), [8, 9])
  assert.equal(maxInFlight(), 3)
  assert.equal(queue.depth, 0)
})

test('switching to the slow path waits for every handed-over batch to settle first', async () => {
  let fast = true
  const events: string[] = []
  const queue = new BackgroundQueue<number>(
    { capacity: 100, batchSize: 2 },
    {
      canHandOver: () => fast,
      ...eitherPath(async (batch) => {
        events.push(`start ${batch}`)
        await later(batch[0] === 0 ? 20 : 1)
        events.push(`end ${batch}`)
      }),
    },
    () => undefined,
  )
  queue.push(0)
  queue.push(1)
  fast = false
  queue.push(2)
  queue.push(3)
  await queue.flush(1000)
  assert.deepEqual(events, ['start 0,1', 'end 0,1', 'start 2,3', 'end 2,3'])
})

test('a full queue refuses with GRIM_QUEUE_FULL instead of dropping, counting handed-over events', () => {
  const queue = new BackgroundQueue<number>(
    { capacity: 2, batchSize: 1 },
    { canHandOver: () => true, ...eitherPath(() => new Promise<void>(() => undefined)) },
    () => undefined,
  )
  queue.push(1)
  queue.push(2)
  assert.throws(() => queue.push(3), { code: 'GRIM_QUEUE_FULL' })
  assert.equal(queue.depth, 2)
})

test('flush gives up with GRIM_SHUTDOWN_TIMEOUT and takeAll hands back what was not handed over', async () => {
  let release: () => void = () => undefined
  const queue = new BackgroundQueue<number>(
    { capacity: 10, batchSize: 1 },
    { canHandOver: () => false, ...eitherPath(() => new Promise<void>((resolve) => (release = resolve))) },
    () => undefined,
  )
  queue.push(1)
  queue.push(2)
  await assert.rejects(queue.flush(50), { code: 'GRIM_SHUTDOWN_TIMEOUT' })
  assert.deepEqual(queue.takeAll(), [2])
  release()
})

test('depth is reported as it changes', async () => {
  const depths: number[] = []
  const queue = new BackgroundQueue<number>(
    { capacity: 10, batchSize: 2 },
    { canHandOver: () => false, ...eitherPath(async () => undefined) },
    (d) => depths.push(d),
  )
  queue.push(1)
  queue.push(2)
  queue.push(3)
  await queue.flush(1000)
  assert.deepEqual(depths.slice(0, 3), [1, 2, 3])
  assert.equal(depths.at(-1), 0)
})
