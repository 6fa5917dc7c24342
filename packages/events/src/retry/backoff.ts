import { Type } from 'typebox'

// Exponential backoff with "full jitter" (AWS architecture blog): delay = random(0, min(max, initial * m^n)).
// Full jitter spreads retries of many clients best; `jitter` < 1 keeps a floor for callers that want one.

export const BackoffSchema = Type.Object({
  initialDelayMs: Type.Integer({ minimum: 0 }),
  multiplier: Type.Number({ minimum: 1 }),
  maxDelayMs: Type.Integer({ minimum: 0 }),
  /** 0 = no jitter (exact exponential), 1 = full jitter. */
  jitter: Type.Number({ minimum: 0, maximum: 1 }),
  /** Total attempts including the first one. */
  maxAttempts: Type.Integer({ minimum: 1 }),
})

export interface Backoff {
  initialDelayMs: number
  multiplier: number
  maxDelayMs: number
  jitter: number
  maxAttempts: number
}

/** Delay before retry number `retry` (1 = the first retry). `random` is injectable for tests. */
export function backoffDelay(policy: Backoff, retry: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** Math.max(0, retry - 1)
  const capped = Math.min(policy.maxDelayMs, exponential)
  const spread = capped * policy.jitter
  return Math.round(capped - spread + random() * spread)
}

/** Whether another attempt is allowed after `attemptsSoFar` attempts. */
export function hasAttemptsLeft(policy: Backoff, attemptsSoFar: number): boolean {
  return attemptsSoFar < policy.maxAttempts
}
