// One record, start to finish inside this process: decode, find the handler, run it once per event id
// (dedupe store), and retry in process while the backoff is short. Anything longer or final is returned
// to the runner, which owns Kafka (retry topic, DLQ, offsets). A dependency outage is waited out here, in
// place, without spending the retry budget (outage.ts).
import type { UserEvent } from '../catalog/index.ts'
import type { ProcessedEventStore } from '../dedupe/index.ts'
import { type Dependency, dependencyOutageOf } from '../dependency.ts'
import type { DeadLetterFailure } from '../dlq/headers.ts'
import { GrimError, isGrimError, isRetryable, withoutStack } from '../errors.ts'
import type { IncomingRecord } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import type { Backoff } from '../retry/backoff.ts'
import { sleep } from '../sleep.ts'
import type { OutageMonitor } from './outage.ts'
import type { HandlerRegistry } from './registry.ts'
import { decideRetry, withoutRetryHeaders } from './retry-topic.ts'
import type { EventDecoder, EventHandler, EventProcessingResult, HandledRecord, HandlerContext } from './types.ts'

export type DeadLetterReason = 'undecodable' | 'invalid' | 'unhandled' | 'not_retryable' | 'retries_exhausted'

export type DispatchResult =
  | { kind: 'done'; outcome: 'success' | 'duplicate' | 'skipped'; eventType: string }
  | { kind: 'retry'; eventType: string; delayMs: number; failure: DeadLetterFailure }
  | { kind: 'dead-letter'; eventType: string; reason: DeadLetterReason; failure: DeadLetterFailure }
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
  outages: OutageMonitor
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

  // Promise chains rather than async functions: this runs once per record, and each async frame costs.
  dispatch(input: DispatchInput): Promise<DispatchResult> {
    return this.#attempt(input.record, input.attempt).then((result) =>
      result.ok ? this.#done(result) : this.#afterFailure(input, result),
    )
  }

  #done(result: Extract<Attempt, { ok: true }>): DispatchResult {
    this.#deps.metrics.count(result.eventType, result.outcome)
    return { kind: 'done', outcome: result.outcome, eventType: result.eventType }
  }

  async #afterFailure(input: DispatchInput, first: Extract<Attempt, { ok: false }>): Promise<DispatchResult> {
    const { metrics } = this.#deps
    let attempt = input.attempt
    let firstFailureAt = input.firstFailureAt
    for (let result: Attempt | undefined = first; ; ) {
      if (result.ok) return this.#done(result)
      const dependency = dependencyOutageOf(result.error)
      if (dependency) {
        result = await this.#waitOut(input, attempt, dependency, result.error)
        if (!result) return { kind: 'abandoned' }
        continue
      }
      const now = new Date()
      firstFailureAt ??= now
      const failure = { error: result.error, attempts: attempt, firstFailureAt, lastFailureAt: now }
      metrics.count(result.eventType, 'failure')
      const decision = decideRetry(result.policy, attempt, result.retryable, this.#deps.inProcessRetryLimitMs)
      if (decision.kind === 'dead-letter') {
        const reason = result.reason ?? (result.retryable ? 'retries_exhausted' : 'not_retryable')
        return { kind: 'dead-letter', eventType: result.eventType, reason, failure }
      }
      metrics.countRetry(result.eventType)
      if (decision.kind === 'retry-topic')
        return { kind: 'retry', eventType: result.eventType, delayMs: decision.delayMs, failure }
      if (!(await sleep(decision.delayMs, input.signal))) return { kind: 'abandoned' }
      attempt++
      result = await this.#attempt(input.record, attempt)
    }
  }

  /**
   * Tries the same attempt again (same number: the budget is untouched) until it gets past the unreachable
   * dependency, or meets an outage of another one (then waits for that). Undefined when revoked or stopping.
   */
  async #waitOut(
    input: DispatchInput,
    attempt: number,
    down: Dependency,
    error: unknown,
  ): Promise<Attempt | undefined> {
    const { outages } = this.#deps
    let dependency = down
    outages.hold(dependency, error)
    try {
      for (let round = 0; ; round++) {
        if (!(await outages.wait(dependency, round, input.signal))) return undefined
        const result = await this.#attempt(input.record, attempt)
        const next = result.ok ? undefined : dependencyOutageOf(result.error)
        if (next === dependency) continue
        outages.recovered(dependency)
        if (next === undefined || result.ok) return result
        outages.release(dependency)
        dependency = next
        outages.hold(dependency, result.error)
        round = -1
      }
    } finally {
      outages.release(dependency)
    }
  }

  #attempt(record: IncomingRecord, attempt: number): Promise<Attempt> {
    const { decoder } = this.#deps
    let event: UserEvent | undefined
    try {
      if (!record.value)
        throw withoutStack(() => new GrimError('GRIM_DECODE_FAILED', 'record value is empty (a tombstone?)'))
      event = decoder.decodeCached?.(record.value)
      if (!event)
        return decoder.decode(record.value).then(
          (decoded) => this.#handle(record, attempt, decoded),
          (error) => this.#undecodable(error),
        )
    } catch (error) {
      return Promise.resolve(this.#undecodable(error))
    }
    return this.#handle(record, attempt, event)
  }

  #undecodable(error: unknown): Attempt {
    const reason = isGrimError(error) && error.code === 'GRIM_EVENT_INVALID' ? 'invalid' : 'undecodable'
    const policy = this.#deps.registry.defaultRetry
    return { ok: false, eventType: 'unknown', error, retryable: isRetryable(error), policy, reason }
  }

  #handle(record: IncomingRecord, attempt: number, event: UserEvent): Promise<Attempt> {
    const { registry, store } = this.#deps
    const eventType = event.event_type
    const registered = registry.get(eventType)
    if (!registered) {
      if (this.#deps.unhandledEvents === 'skip') return Promise.resolve({ ok: true, outcome: 'skipped', eventType })
      const error = new GrimError('GRIM_HANDLER_MISSING', `no handler is registered for event type ${eventType}`, {
        details: { eventType, eventId: event.event_id },
      })
      const policy = registry.defaultRetry
      return Promise.resolve({ ok: false, eventType, error, retryable: false, policy, reason: 'unhandled' })
    }
    const handled = new HandledRecordView(record)
    const started = performance.now()
    const succeeded = (outcome: 'success' | 'duplicate'): Attempt => {
      this.#deps.metrics.observeSeconds(eventType, (performance.now() - started) / 1_000)
      return { ok: true, outcome, eventType }
    }
    const failed = (thrown: unknown): Attempt => {
      this.#deps.metrics.observeSeconds(eventType, (performance.now() - started) / 1_000)
      const error =
        thrown instanceof UnsuccessfulResult
          ? new GrimError('GRIM_HANDLER_FAILED', `${eventType} handler reported failure: ${thrown.result.message}`, {
              retryable: thrown.result.retryable ?? true,
              details: { eventType, eventId: event.event_id },
            })
          : thrown
      return { ok: false, eventType, error, retryable: isRetryable(error), policy: registered.retry }
    }
    if (!store)
      return invoke(registered.handler, event, { tx: undefined, attempt, record: handled }).then(
        (result) => (result.success ? succeeded('success') : failed(new UnsuccessfulResult(result))),
        failed,
      )
    const key = { eventId: event.event_id, consumerGroup: this.#deps.groupId }
    return store
      .runOnce(key, (tx) =>
        invoke(registered.handler, event, { tx, attempt, record: handled }).then((result) => {
          // Thrown inside the transaction, so the processed mark rolls back with the handler's writes.
          if (!result.success) throw new UnsuccessfulResult(result)
          return result
        }),
      )
      .then((outcome) => succeeded(outcome.ran ? 'success' : 'duplicate'), failed)
  }
}

/** A handler that throws instead of rejecting is a failed attempt too, not a crash of the dispatch. */
function invoke(handler: EventHandler, event: UserEvent, context: HandlerContext): Promise<EventProcessingResult> {
  try {
    return Promise.resolve(handler(event, context))
  } catch (error) {
    return Promise.reject(error)
  }
}

/** What the handler sees of its record; the headers without our retry bookkeeping are built only if read. */
class HandledRecordView implements HandledRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly #record: IncomingRecord
  #headers: Map<string, Buffer> | undefined

  constructor(record: IncomingRecord) {
    this.topic = record.topic
    this.partition = record.partition
    this.offset = record.offset
    this.#record = record
  }

  get headers(): Map<string, Buffer> {
    this.#headers ??= withoutRetryHeaders(this.#record.headers)
    return this.#headers
  }
}
