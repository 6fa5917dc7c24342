// One record, start to finish inside this process: decode, find the handler, run it once per event id
// (dedupe store), and retry in process while the backoff is short. Anything longer or final is returned
// to the runner, which owns Kafka (retry topic, DLQ, offsets).
import type { UserEvent } from '../catalog/index.ts'
import type { ProcessedEventStore } from '../dedupe/index.ts'
import { GrimError, isGrimError, isRetryable } from '../errors.ts'
import type { IncomingRecord } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import type { Backoff } from '../retry/backoff.ts'
import type { HandlerRegistry } from './registry.ts'
import { decideRetry, withoutRetryHeaders } from './retry-topic.ts'
import type { EventDecoder, EventProcessingResult, HandlerContext } from './types.ts'

export type DeadLetterReason = 'undecodable' | 'invalid' | 'unhandled' | 'not_retryable' | 'retries_exhausted'

export interface Failure {
  error: unknown
  attempts: number
  firstFailureAt: Date
  lastFailureAt: Date
}

export type DispatchResult =
  | { kind: 'done'; outcome: 'success' | 'duplicate' | 'skipped'; eventType: string }
  | { kind: 'retry'; eventType: string; delayMs: number; failure: Failure }
  | { kind: 'dead-letter'; eventType: string; reason: DeadLetterReason; failure: Failure }
  /** Revoked or stopping while waiting to retry: nothing is final, the record will be delivered again. */
  | { kind: 'abandoned' }

export interface DispatchInput {
  record: IncomingRecord
  /** Number of the attempt about to run (1 = first). */
  attempt: number
  firstFailureAt: Date | undefined
  signal: AbortSignal
}

export interface DispatcherDeps {
  groupId: string
  decoder: EventDecoder
  registry: HandlerRegistry
  store: ProcessedEventStore | undefined
  unhandledEvents: 'dead-letter' | 'skip'
  inProcessRetryLimitMs: number
  metrics: ConsumerMetrics
}

/** Carries an unsuccessful result out of the dedupe transaction, so the processed mark rolls back. */
class UnsuccessfulResult extends Error {
  readonly result: EventProcessingResult
  constructor(result: EventProcessingResult) {
    super(result.message)
    this.result = result
  }
}

type Attempt =
  | { ok: true; outcome: 'success' | 'duplicate' | 'skipped'; eventType: string }
  | { ok: false; eventType: string; error: unknown; retryable: boolean; policy: Backoff; reason?: DeadLetterReason }

export class Dispatcher {
  readonly #deps: DispatcherDeps

  constructor(deps: DispatcherDeps) {
    this.#deps = deps
  }

  async dispatch(input: DispatchInput): Promise<DispatchResult> {
    const { metrics } = this.#deps
    let attempt = input.attempt
    let firstFailureAt = input.firstFailureAt
    for (;;) {
      const result = await this.#attempt(input.record, attempt)
      if (result.ok) {
        metrics.processed.inc({ event_type: result.eventType, outcome: result.outcome })
        return { kind: 'done', outcome: result.outcome, eventType: result.eventType }
      }
      const now = new Date()
      firstFailureAt ??= now
      const failure = { error: result.error, attempts: attempt, firstFailureAt, lastFailureAt: now }
      metrics.processed.inc({ event_type: result.eventType, outcome: 'failure' })
      const decision = decideRetry(result.policy, attempt, result.retryable, this.#deps.inProcessRetryLimitMs)
      if (decision.kind === 'dead-letter') {
        const reason = result.reason ?? (result.retryable ? 'retries_exhausted' : 'not_retryable')
        return { kind: 'dead-letter', eventType: result.eventType, reason, failure }
      }
      metrics.retries.inc({ event_type: result.eventType })
      if (decision.kind === 'retry-topic')
        return { kind: 'retry', eventType: result.eventType, delayMs: decision.delayMs, failure }
      if (!(await sleep(decision.delayMs, input.signal))) return { kind: 'abandoned' }
      attempt++
    }
  }

  async #attempt(record: IncomingRecord, attempt: number): Promise<Attempt> {
    const { decoder, registry } = this.#deps
    let event: UserEvent
    try {
      if (!record.value) throw new GrimError('GRIM_DECODE_FAILED', 'record value is empty (a tombstone?)')
      event = await decoder.decode(record.value)
    } catch (error) {
      const reason = isGrimError(error) && error.code === 'GRIM_EVENT_INVALID' ? 'invalid' : 'undecodable'
      const retryable = isRetryable(error)
      return { ok: false, eventType: 'unknown', error, retryable, policy: registry.defaultRetry, reason }
    }
    const eventType = event.event_type
    const registered = registry.get(eventType)
    if (!registered) {
      if (this.#deps.unhandledEvents === 'skip') return { ok: true, outcome: 'skipped', eventType }
      const error = new GrimError('GRIM_HANDLER_MISSING', `no handler is registered for event type ${eventType}`, {
        details: { eventType, eventId: event.event_id },
      })
      return { ok: false, eventType, error, retryable: false, policy: registry.defaultRetry, reason: 'unhandled' }
    }
    const context = (tx: HandlerContext['tx']): HandlerContext => ({
      tx,
      attempt,
      record: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        headers: withoutRetryHeaders(record.headers),
      },
    })
    const run = async (tx: HandlerContext['tx']) => {
      const result = await registered.handler(event, context(tx))
      if (!result.success) throw new UnsuccessfulResult(result)
      return result
    }
    const stopTimer = this.#deps.metrics.processingSeconds.startTimer({ event_type: eventType })
    try {
      const { store } = this.#deps
      if (!store) await run(undefined)
      else {
        const outcome = await store.runOnce({ eventId: event.event_id, consumerGroup: this.#deps.groupId }, run)
        if (!outcome.ran) return { ok: true, outcome: 'duplicate', eventType }
      }
      return { ok: true, outcome: 'success', eventType }
    } catch (thrown) {
      const error =
        thrown instanceof UnsuccessfulResult
          ? new GrimError('GRIM_HANDLER_FAILED', `${eventType} handler reported failure: ${thrown.result.message}`, {
              retryable: thrown.result.retryable ?? true,
              details: { eventType, eventId: event.event_id },
            })
          : thrown
      return { ok: false, eventType, error, retryable: isRetryable(error), policy: registered.retry }
    } finally {
      stopTimer()
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
