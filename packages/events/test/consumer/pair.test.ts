import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestTopic, eventually } from '../../../../test/support/index.ts'
import type { UserEvent } from '../../src/catalog/index.ts'
import { RETRY_HEADERS } from '../../src/dlq/headers.ts'
import { consumerFor, header, produceEvents, readTopic, sampleEvent, testSerde } from './helpers.ts'

const serde = testSerde()

test('per-key order holds through the retry topic while other keys flow', async () => {
  const topic = await createTestTopic('consumer-order', 2, ['.retry', '.dlq'])
  const retryDelay = 1_500
  const consumer = consumerFor(serde, topic, {
    // Every retry goes through the retry topic; X1 fails twice, so its second retry is a barrier case.
    retry: { initialDelayMs: retryDelay, multiplier: 1, maxDelayMs: retryDelay, jitter: 0, maxAttempts: 5 },
    inProcessRetryLimitMs: 0,
  })
  const x = Array.from({ length: 3 }, () => sampleEvent('user_updated', 'user-x'))
  const y = Array.from({ length: 20 }, (_, i) => sampleEvent('user_updated', `user-y${i}`))
  const [x1, x2, x3] = x as [UserEvent, UserEvent, UserEvent]
  const handled: { id: string; at: number }[] = []
  const failures: number[] = []
  consumer.registerHandler('user_updated', async (event) => {
    if (event.event_id === x1.event_id && failures.length < 2) {
      failures.push(Date.now())
      throw new Error('not yet')
    }
    handled.push({ id: event.event_id, at: Date.now() })
    return { success: true, message: 'ok' }
  })
  // X1, X2 first, then the other users: X2 must wait for X1, the others must not.
  await produceEvents(serde, topic, [x1, x2, ...y])
  await consumer.start()
  await eventually(
    () => failures.length,
    (n) => n >= 1,
  )
  // A third X event arrives while X is parked: it must queue behind X1 and X2 too.
  await produceEvents(serde, topic, [x3])
  await eventually(
    () => handled.length,
    (n) => n === x.length + y.length,
    20_000,
  )
  const order = handled.map((h) => h.id)
  const xOrder = order.filter((id) => x.some((e) => e.event_id === id))
  assert.deepEqual(xOrder, [x1.event_id, x2.event_id, x3.event_id], 'X events in produce order')
  const firstFailure = failures[0] ?? 0
  const lastY = Math.max(...handled.filter((h) => y.some((e) => e.event_id === h.id)).map((h) => h.at))
  assert.ok(lastY - firstFailure < retryDelay / 2, `Y done ${lastY - firstFailure} ms after X1 failed`)
  const x1Done = handled.find((h) => h.id === x1.event_id)?.at ?? 0
  assert.ok(x1Done - firstFailure >= 2 * retryDelay - 50, `X1 succeeded ${x1Done - firstFailure} ms after failing`)
  assert.equal(failures.length, 2)
  const retried = await readTopic(`${topic}.retry`)
  const attempts = retried.map((r) => header(r, RETRY_HEADERS.attempt))
  // X1 twice (attempts 1 and 2); X2 and X3 forwarded untried (0), X2 again behind X1's second retry.
  assert.deepEqual(attempts.filter((a) => a !== '0').sort(), ['1', '2'])
  assert.ok(attempts.filter((a) => a === '0').length >= 2)
  assert.equal(consumer.health().details.parkedKeys, 0)
})
