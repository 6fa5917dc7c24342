import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BackgroundQueue } from '../../src/producer/background-queue.ts'

test('a burst of pushes drains in order, in batches of at most batchSize, one batch at a time', async () => {
  const batches: number[][] = []
  let inFlight = 0
  const queue = new BackgroundQueue<number>(
    { capacity: 100, batchSize: 4 },
    async (batch) => {
      inFlight++
      assert.equal(inFlight, 1, 'never two batches at once')
      batches.push(batch)
      await new Promise((resolve) => setTimeout(resolve, 2))
      inFlight--
    },
    () => undefined,
  )
  for (let i = 0; i < 10; i++) queue.push(i)
  await queue.flush(1000)
  assert.deepEqual(batches, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ])
  assert.equal(queue.depth, 0)
})

test('a full queue refuses with GRIM_QUEUE_FULL instead of dropping', () => {
  const queue = new BackgroundQueue<number>(
    { capacity: 2, batchSize: 10 },
    async () => undefined,
    () => undefined,
  )
  queue.push(1)
  queue.push(2)
  assert.throws(() => queue.push(3), { code: 'GRIM_QUEUE_FULL' })
  assert.equal(queue.depth, 2)
})

test('flush gives up with GRIM_SHUTDOWN_TIMEOUT and takeAll hands back what is left', async () => {
  let release: () => void = () => undefined
  const queue = new BackgroundQueue<number>(
    { capacity: 10, batchSize: 1 },
    () => new Promise<void>((resolve) => (release = resolve)),
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
    async () => undefined,
    (d) => depths.push(d),
  )
  queue.push(1)
  queue.push(2)
  queue.push(3)
  await queue.flush(1000)
  assert.deepEqual(depths.slice(0, 3), [1, 2, 3])
  assert.equal(depths.at(-1), 0)
})
