// The publisher's side of the send worker: posts packed batches, matches the replies, and turns a worker that
// died into failed sends (so their events are kept) and a fresh worker for the next send.
import { Worker } from 'node:worker_threads'
import { GrimError, type GrimErrorCode } from '../errors.ts'
import type { RecordPosition } from '../kafka/index.ts'
import type { PackedBatch } from './packed-batch.ts'
import type { FromWorker, SendWorkerConfig, ToWorker } from './send-protocol.ts'

interface Pending {
  resolve: (positions: RecordPosition[]) => void
  reject: (error: GrimError) => void
}

const workerUrl = new URL('./send-worker.ts', import.meta.url)

export class BatchSender {
  readonly #config: SendWorkerConfig
  readonly #onRetry: (attempt: number, message: string) => void
  readonly #pending = new Map<number, Pending>()
  #worker: Worker | undefined
  #nextId = 1
  #closing: Promise<void> | undefined

  constructor(config: SendWorkerConfig, onRetry: (attempt: number, message: string) => void) {
    this.#config = config
    this.#onRetry = onRetry
  }

  /** Sends after every batch posted before it; resolves with the positions once the broker acknowledged all. */
  send(batch: PackedBatch, what: string): Promise<RecordPosition[]> {
    if (this.#closing) return Promise.reject(new GrimError('GRIM_CLOSED', `${what} refused: the sender is closed`))
    const id = this.#nextId++
    const sent = new Promise<RecordPosition[]>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    this.#post({ kind: 'send', id, what, batch }, [batch.values.buffer as ArrayBuffer])
    // Unsettled sends keep the process alive; an idle worker does not.
    this.#worker?.ref()
    return sent
  }

  /** After a failure the worker refuses later batches (they would overtake the failed ones) until this. */
  resume(): void {
    this.#post({ kind: 'resume' })
  }

  /** Stops retrying: sends still waiting fail at once. */
  abort(): void {
    this.#worker?.postMessage({ kind: 'abort' } satisfies ToWorker)
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const worker = this.#worker
      if (!worker) return resolve()
      worker.once('exit', () => resolve())
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
    worker.on('message', (message: FromWorker) => this.#receive(message))
    worker.on('error', (error) => this.#lost(worker, `the send worker failed: ${error.message}`))
    worker.on('exit', (code) => this.#lost(worker, `the send worker exited (code ${code})`))
    return worker
  }

  #receive(message: FromWorker): void {
    if (message.kind === 'retry') {
      this.#onRetry(message.attempt, message.message)
      return
    }
    if (message.kind === 'closed') return
    const pending = this.#pending.get(message.id)
    if (!pending) return
    this.#pending.delete(message.id)
    if (this.#pending.size === 0) this.#worker?.unref()
    if (message.kind === 'sent') {
      pending.resolve(message.positions)
      return
    }
    const { code, message: text, retryable, details } = message.error
    pending.reject(new GrimError(code as GrimErrorCode, text, { retryable, details }))
  }

  #lost(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    const error = new GrimError('GRIM_PUBLISH_FAILED', reason, { retryable: true })
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}
