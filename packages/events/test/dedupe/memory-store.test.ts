import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { InMemoryProcessedEventStore } from '../../src/dedupe/index.ts'

const key = (eventId: string) => ({ eventId, consumerGroup: 'g' })

test('runOnce runs once per key even when called concurrently', async () => {
  const store = new InMemoryProcessedEventStore()
  let runs = 0
  const outcomes = await Promise.all(
    Array.from({ length: 5 }, () =>
      store.runOnce(key('a'), async (tx) => {
        assert.equal(tx, undefined)
        runs++
        await sleep(10)
        return runs
      }),
    ),
  )
  assert.equal(runs, 1)
  assert.equal(outcomes.filter((o) => o.ran).length, 1)
  assert.equal(await store.has(key('a')), true)
})

test('a throwing work leaves no mark; a concurrent waiter then runs it itself', async () => {
  const store = new InMemoryProcessedEventStore()
  let runs = 0
  const first = store.runOnce(key('b'), async () => {
    runs++
    await sleep(10)
    throw new Error('boom')
  })
  const second = store.runOnce(key('b'), async () => {
    runs++
    return 'second'
  })
  await assert.rejects(first, /boom/)
  assert.deepEqual(await second, { ran: true, result: 'second' })
  assert.equal(runs, 2)
})

test('the store is bounded: the least recently used keys are forgotten first', async () => {
  const store = new InMemoryProcessedEventStore({ maxEntries: 2 })
  await store.runOnce(key('1'), async () => undefined)
  await store.runOnce(key('2'), async () => undefined)
  assert.deepEqual(await store.runOnce(key('1'), async () => 'again'), { ran: false }, 'touching 1 makes 2 the oldest')
  await store.runOnce(key('3'), async () => undefined)
  assert.equal(store.size, 2)
  assert.equal(await store.has(key('2')), false)
  assert.equal(await store.has(key('1')), true)
  assert.equal(await store.has(key('3')), true)
})

test('options are validated', () => {
  assert.throws(() => new InMemoryProcessedEventStore({ maxEntries: 0 }), { code: 'GRIM_CONFIG_INVALID' })
})
