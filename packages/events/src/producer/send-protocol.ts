// The messages between the publisher and its send worker (send-worker.ts). Kept apart so both sides import
// the same shapes and neither imports the other.
import type { ConnectionOptions, RecordPosition } from '../kafka/index.ts'
import type { Backoff } from '../retry/backoff.ts'
import type { PackedBatch } from './packed-batch.ts'

export interface SendWorkerConfig {
  connection: ConnectionOptions
  retry: Backoff
  deadlineMs: number
  /** V8's young generation of the worker's heap (see `sendWorker` in options.ts). */
  youngGenerationMb: number
}

export type ToWorker =
  /** A batch that fails for good holds back every later one until `resume`. */
  | { kind: 'send'; id: number; what: string; batch: PackedBatch }
  /** The publisher kept the events of a failed batch: later batches may go out again. */
  | { kind: 'resume' }
  /** Shutdown: stop retrying; whatever is waiting fails at once, so the publisher can spill it. */
  | { kind: 'abort' }
  /**
   * The queue overflowed to the spill file: stop retrying the batch in hand and fail every waiting one now (held
   * back until `resume`), so they are kept, in order, ahead of what overflows; unlike `abort`, not for good.
   */
  | { kind: 'give-up' }
  | { kind: 'close' }

export interface SerializedError {
  code: string
  message: string
  retryable: boolean
  details: Record<string, unknown>
}

export type FromWorker =
  | { kind: 'sent'; id: number; positions: RecordPosition[] }
  | { kind: 'failed'; id: number; error: SerializedError }
  | { kind: 'retry'; attempt: number; message: string }
  | { kind: 'closed' }
