// The messages between the publisher and its send worker (send-worker.ts). Kept apart so both sides import
// the same shapes and neither imports the other.
import type { Compression, ConnectionOptions, RecordPosition } from '../kafka/index.ts'
import type { Backoff } from '../retry/backoff.ts'
import type { PackedBatch } from './packed-batch.ts'
import type { PipelineLimits } from './send-pipeline.ts'

export interface SendWorkerConfig {
  connection: ConnectionOptions
  retry: Backoff
  deadlineMs: number
  /** V8's young generation of the worker's heap (see `sendWorker` in options.ts). */
  youngGenerationMb: number
  compression: Compression
  pipeline: PipelineLimits
}

export type ToWorker =
  /** A batch that fails for good holds back every later one until `resume`. */
  | { kind: 'send'; id: number; what: string; batch: PackedBatch }
  /** Connect, get a producer id and the topic's metadata now, so the first send waits for none of it. */
  | { kind: 'warm'; id: number; topic: string }
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
  /** `unsent`: indices of the batch's records that were not sent; undefined when none was. */
  | { kind: 'failed'; id: number; error: SerializedError; unsent: number[] | undefined }
  | { kind: 'warmed'; id: number; error?: SerializedError }
  | { kind: 'retry'; attempt: number; message: string }
  | { kind: 'closed' }
