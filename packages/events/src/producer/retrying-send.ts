import { GrimError, isRetryable, messageOf } from '../errors.ts'
import { type Backoff, backoffDelay } from '../retry/backoff.ts'
import { sleep } from '../sleep.ts'

/**
 * Calls `send` until it succeeds, a non-retryable error occurs, the attempts run out, or the next wait would
 * cross the deadline. Waits grow exponentially with jitter. The final error is typed and says why it stopped.
 */
export async function sendWithRetries<T>(
  what: string,
  send: () => Promise<T>,
  policy: Backoff,
  deadlineMs: number,
  onRetry: (error: unknown, attempt: number) => void,
  /** Aborting stops the retries (shutdown): the caller keeps what could not be sent. */
  signal?: AbortSignal,
): Promise<T> {
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      if (signal?.aborted) throw new GrimError('GRIM_CLOSED', `${what} abandoned: shutting down`, { retryable: true })
      return await send()
    } catch (error) {
      if (!isRetryable(error) || signal?.aborted) throw error
      const delay = backoffDelay(policy, attempt)
      const elapsed = Date.now() - started
      if (attempt >= policy.maxAttempts || elapsed + delay > deadlineMs) {
        throw new GrimError(
          'GRIM_PUBLISH_FAILED',
          `${what} failed after ${attempt} attempt(s) in ${elapsed} ms: ${messageOf(error)}`,
          { cause: error, retryable: true, details: { attempts: attempt } },
        )
      }
      onRetry(error, attempt)
      // Aborting cuts the wait short (shutdown must not sit out a backoff).
      await sleep(delay, signal)
    }
  }
}
