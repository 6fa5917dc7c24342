import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GrimError } from '../../src/errors.ts'
import { sendWithRetries } from '../../src/producer/retrying-send.ts'

const policy = { initialDelayMs: 10, multiplier: 2, maxDelayMs: 40, jitter: 0, maxAttempts: 10 }

test('transient errors are retried with growing waits until the send succeeds', async () => {
  const calls: number[] = []
  const result = await sendWithRetries(
    'test send',
    async () => {
      calls.push(performance.now())
      if (calls.length < 4) throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker away')
      return 'ok'
    },
    policy,
    5_000,
    () => undefined,
  )
  assert.equal(result, 'ok')
  const gaps = calls.slice(1).map((t, i) => t - (calls[i] ?? 0))
  // 10, 20, 40 ms (timers may fire a little late, never early).
  for (const [i, expected] of [10, 20, 40].entries()) assert.ok((gaps[i] ?? 0) >= expected - 1, `gap ${i}: ${gaps[i]}`)
})

test('a non-retryable error is thrown at once', async () => {
  let calls = 0
  await assert.rejects(
    sendWithRetries(
      'test send',
      async () => {
        calls++
        throw new GrimError('GRIM_EVENT_INVALID', 'bad')
      },
      policy,
      5_000,
      () => undefined,
    ),
    { code: 'GRIM_EVENT_INVALID' },
  )
  assert.equal(calls, 1)
})

test('past the deadline it stops with GRIM_PUBLISH_FAILED naming the attempts and the last error', async () => {
  await assert.rejects(
    sendWithRetries(
      'test send',
      async () => {
        throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker away')
      },
      policy,
      60,
      () => undefined,
    ),
    (error: GrimError) => error.code === 'GRIM_PUBLISH_FAILED' && /attempt\(s\).*broker away/.test(error.message),
  )
})
