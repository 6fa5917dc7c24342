// The send pipeline (send-pipeline.ts) on the caller's own thread, for the outbox relay: several requests under way
// at once, a partition in at most one of them, sends settling in the order they were made. After a send fails,
// every later one fails too (only their records of partitions untouched by the failure may have gone out, named by
// `unsentOf`) until `resume`. No retries of its own: the relay retries the rows it still holds, with its backoff.
// The publisher uses the worker-thread form instead (send-worker.ts), to keep its caller's thread free.
import { asGrimError, type GrimError } from '../errors.ts'
import type { KafkaProducer, OutgoingRecord } from '../kafka/index.ts'
import { PartitionCounts } from './partition-counts.ts'
import { SendOrder } from './send-order.ts'
import { type BatchOutcome, type PipelineLimits, SendPipeline } from './send-pipeline.ts'
import { withUnsent } from './unsent.ts'

export class PipelinedProducer {
  readonly #producer: KafkaProducer
  readonly #counts: PartitionCounts
  readonly #pipeline: SendPipeline
  readonly #calls = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>()
  #nextId = 1
  readonly #order = new SendOrder()

  constructor(producer: KafkaProducer, limits: PipelineLimits, onCountError: (topic: string, error: unknown) => void) {
    this.#producer = producer
    this.#counts = new PartitionCounts((topic) => producer.partitionCounts([topic]), onCountError)
    this.#pipeline = new SendPipeline(limits, {
      send: (records) => producer.send(records),
      partitionCount: (topic) => this.#counts.get(topic),
      settled: (outcome) => this.#settled(outcome),
    })
  }

  /** Connects (producer id included) and loads the topic's partition count, so the first send waits for neither. */
  async warm(topic: string): Promise<void> {
    this.#counts.remember(await this.#producer.warm([topic]))
  }

  /**
   * Sends after every earlier send; records of one partition must come in order. `partition` is the key's hash,
   * which the client takes modulo the partition count (kafka/client-internals.ts A6), as the pipeline does.
   */
  send(records: OutgoingRecord[], what: string): Promise<void> {
    const refused = this.#order.refusal(what)
    if (refused) return refused
    const id = this.#nextId++
    const sent = new Promise<void>((resolve, reject) => this.#calls.set(id, { resolve, reject }))
    this.#order.track(sent)
    this.#pipeline.add(id, what, records)
    return sent
  }

  /** Fails like a send that failed in the pipeline: after every earlier send settled, holding back later ones. */
  failInTurn(error: GrimError): Promise<never> {
    return this.#order.failInTurn(error)
  }

  /** The caller dealt with a failure (kept what was not sent): later sends may go out again. */
  resume(): void {
    this.#order.resume()
    this.#pipeline.resume()
  }

  /** Waits for the sends under way; closing the producer is the owner's. */
  idle(): Promise<void> {
    return this.#pipeline.idle()
  }

  #settled(outcome: BatchOutcome): void {
    const call = this.#calls.get(outcome.id)
    this.#calls.delete(outcome.id)
    if (outcome.ok) {
      call?.resolve()
      return
    }
    const error = asGrimError(outcome.error, 'GRIM_PUBLISH_FAILED')
    call?.reject(outcome.unsent ? withUnsent(error, outcome.unsent) : error)
  }
}
