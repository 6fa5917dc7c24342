// The publisher's side of the send worker: posts packed batches, matches the replies, and turns a worker that
// died into failed sends (so their events are kept) and a fresh worker for the next send. Every send settles in
// the order it was made, failures included, so the publisher's spill file keeps the events' order.
import { Worker } from 'node:worker_threads'
import { GrimError, type GrimErrorCode, messageOf } from '../errors.ts'
import type { RecordPosition } from '../kafka/index.ts'
import type { PackedBatch } from './packed-batch.ts'
import { SendOrder } from './send-order.ts'
import type { FromWorker, SendWorkerConfig, ToWorker } from './send-protocol.ts'
import { withUnsent } from './unsent.ts'

interface Pending {
  resolve: (positions: RecordPosition[]) => void
  reject: (error: GrimError) => void
}

const workerUrl = new URL('./send-worker.ts', import.meta.url)

/** How long `close` waits for the worker to close its producer before stopping it. */
const CLOSE_TIMEOUT_MS = 10_000

export class BatchSender {
  readonly #config: SendWorkerConfig
  readonly #onRetry: (attempt: number, message: string) => void
  readonly #pending = new Map<number, Pending>()
  readonly #warming = new Map<number, { resolve: () => void; reject: (error: GrimError) => void }>()
  #worker: Worker | undefined
  #nextId = 1
  /** A send that fails before reaching the worker fails in turn, and later ones are refused, as the worker would. */
  readonly #order = new SendOrder()
  #aborted = false
  #closing: Promise<void> | undefined

  constructor(config: SendWorkerConfig, onRetry: (attempt: number, message: string) => void) {
    this.#config = config
    this.#onRetry = onRetry
  }

  /** Sends after every batch posted before it; resolves with the positions once the broker acknowledged all. */
  send(batch: PackedBatch, what: string): Promise<RecordPosition[]> {
    if (this.#closing) return this.failInTurn(new GrimError('GRIM_CLOSED', `${what} refused: the sender is closed`))
    const refused = this.#order.refusal(what)
    if (refused) return refused
    const id = this.#nextId++
    const sent = new Promise<RecordPosition[]>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    try {
      this.#post({ kind: 'send', id, what, batch }, [batch.values.buffer as ArrayBuffer])
    } catch (error) {
      this.#pending.delete(id)
      return this.failInTurn(
        new GrimError('GRIM_PUBLISH_FAILED', `${what} could not reach the send worker: ${messageOf(error)}`, {
          cause: error,
          retryable: true,
        }),
      )
    }
    // Unsettled sends keep the process alive; an idle worker does not.
    this.#worker?.ref()
    this.#order.track(sent)
    return sent
  }

  /**
   * Starts the worker, connects its producer (producer id included) and loads the topic's metadata. Rejects when
   * the broker cannot be reached; sends retry on their own all the same.
   */
  warm(topic: string): Promise<void> {
    if (this.#closing) return Promise.resolve()
    const id = this.#nextId++
    const warmed = new Promise<void>((resolve, reject) => this.#warming.set(id, { resolve, reject }))
    try {
      this.#post({ kind: 'warm', id, topic })
    } catch (error) {
      this.#warming.delete(id)
      return Promise.reject(
        new GrimError('GRIM_PUBLISH_FAILED', `the send worker could not start: ${messageOf(error)}`, { cause: error }),
      )
    }
    this.#worker?.ref()
    return warmed.finally(() => {
      if (this.#pending.size === 0 && this.#warming.size === 0 && !this.#closing) this.#worker?.unref()
    })
  }

  /**
   * Fails like a send that reached the worker and failed there: only after every earlier send settled, and holding
   * back later ones until `resume`, so no later batch overtakes this one's events.
   */
  failInTurn(error: GrimError): Promise<never> {
    return this.#order.failInTurn(error)
  }

  /** After a failure the worker refuses later batches (they would overtake the failed ones) until this. */
  resume(): void {
    this.#order.resume()
    // A worker that does not exist yet holds nothing back; one that is closing takes no more work.
    if (this.#worker && !this.#closing) this.#worker.postMessage({ kind: 'resume' } satisfies ToWorker)
  }

  /** Stops retrying now and fails what waits (held back until `resume`), so it is kept ahead of newer events. */
  giveUp(): void {
    this.#order.heldBackBy ??= 'the queue overflowed to the spill file'
    this.#worker?.postMessage({ kind: 'give-up' } satisfies ToWorker)
  }

  /** Stops retrying for good (shutdown): sends still waiting fail at once, in this worker or any later one. */
  abort(): void {
    this.#aborted = true
    this.#worker?.postMessage({ kind: 'abort' } satisfies ToWorker)
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const worker = this.#worker
      if (!worker) return resolve()
      // A producer that cannot close (a broker gone mid-request) must not hold shutdown forever.
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS)
      worker.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      // Waiting for it to close must keep the process alive.
      worker.ref()
      worker.postMessage({ kind: 'close' } satisfies ToWorker)
    })
    return this.#closing
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker ??= this.#start()
    this.#worker.postMessage(message, transfer)
  }

  #start(): Worker {
    const worker = new Worker(workerUrl, {
      workerData: this.#config,
      resourceLimits: { maxYoungGenerationSizeMb: this.#config.youngGenerationMb },
    })
    if (this.#aborted) worker.postMessage({ kind: 'abort' } satisfies ToWorker)
    worker.on('message', (message: FromWorker) => this.#receive(worker, message))
    worker.on('messageerror', (error) => this.#lost(worker, `a reply of the send worker was lost: ${error.message}`))
    worker.on('error', (error) => this.#lost(worker, `the send worker failed: ${error.message}`))
    worker.on('exit', (code) => this.#lost(worker, `the send worker exited (code ${code})`))
    return worker
  }

  #receive(worker: Worker, message: FromWorker): void {
    if (message.kind === 'retry') {
      this.#onRetry(message.attempt, message.message)
      return
    }
    if (message.kind === 'closed') return
    if (message.kind === 'warmed') {
      const warming = this.#warming.get(message.id)
      this.#warming.delete(message.id)
      if (!message.error) warming?.resolve()
      else warming?.reject(new GrimError(message.error.code as GrimErrorCode, message.error.message))
      return
    }
    const pending = this.#pending.get(message.id)
    if (!pending) return
    this.#pending.delete(message.id)
    if (this.#pending.size === 0 && this.#warming.size === 0 && !this.#closing) worker.unref()
    if (message.kind === 'sent') {
      pending.resolve(message.positions)
      return
    }
    const { code, message: text, retryable, details } = message.error
    const error = new GrimError(code as GrimErrorCode, text, { retryable, details })
    pending.reject(message.unsent ? withUnsent(error, message.unsent) : error)
  }

  #lost(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    // Whatever follows the lost batches must wait for the publisher to keep them, as after any failure.
    if (this.#pending.size > 0) this.#order.heldBackBy ??= reason
    const error = new GrimError('GRIM_PUBLISH_FAILED', reason, { retryable: true })
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
    for (const warming of this.#warming.values()) warming.reject(error)
    this.#warming.clear()
  }
}
