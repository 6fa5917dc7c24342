import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { backoffDelay, hasAttemptsLeft } from '../../src/retry/backoff.ts'

const policy = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 5_000, jitter: 0, maxAttempts: 5 }

test('without jitter the delay doubles from the initial delay and stops at the maximum', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(policy, n)),
    [100, 200, 400, 800, 1600, 3200, 5000],
  )
})

test('with jitter the delay stays within [ceiling * (1 - jitter), ceiling]', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.9999, noNaN: true }),
      (retry, jitter, random) => {
        const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1))
        const delay = backoffDelay({ ...policy, jitter }, retry, () => random)
        return delay <= Math.round(ceiling) && delay >= Math.floor(ceiling * (1 - jitter))
      },
    ),
  )
})

test('attempts are counted including the first one', () => {
  assert.equal(hasAttemptsLeft(policy, 4), true)
  assert.equal(hasAttemptsLeft(policy, 5), false)
})
