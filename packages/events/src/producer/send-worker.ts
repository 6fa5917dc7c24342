// The worker thread behind EventPublisher: it owns the Kafka producer and the retries, so building record
// batches, CRCs and socket writes run beside the service's event loop instead of on it. Batches go out one at a
// time, in the order they were posted. After one fails for good, every later one is refused until the publisher
// has kept the failed events and says `resume`: one user's events never overtake their own failed ones.
import { parentPort, workerData } from 'node:worker_threads'
import { asGrimError, GrimError, messageOf } from '../errors.ts'
import { KafkaProducer } from '../kafka/index.ts'
import { HeaderBufferCache, unpackBatch } from './packed-batch.ts'
import { sendWithRetries } from './retrying-send.ts'
import type { FromWorker, SendWorkerConfig, SerializedError, ToWorker } from './send-protocol.ts'

const port = parentPort
if (!port) throw new Error('send-worker.ts runs as a worker thread of EventPublisher')
const config = workerData as SendWorkerConfig
const producer = new KafkaProducer(config.connection)
const headerBuffers = new HeaderBufferCache()
const shutdown = new AbortController()
/** Replaced after each give-up, so a later send retries again. */
let giveUp = new AbortController()
const waiting: ToWorker[] = []
let blockedBy: string | undefined
let running = false

const reply = (message: FromWorker) => port.postMessage(message)

function serialize(error: unknown): SerializedError {
  const typed = asGrimError(error, 'GRIM_PUBLISH_FAILED')
  return { code: typed.code, message: typed.message, retryable: typed.retryable, details: typed.details }
}

async function send(message: Extract<ToWorker, { kind: 'send' }>): Promise<void> {
  if (blockedBy !== undefined) {
    const error = new GrimError('GRIM_PUBLISH_FAILED', `${message.what} held back: ${blockedBy}`, { retryable: true })
    return reply({ kind: 'failed', id: message.id, error: serialize(error) })
  }
  const givenUp = giveUp.signal
  try {
    const positions = await sendWithRetries(
      message.what,
      () => producer.send(unpackBatch(message.batch, headerBuffers)),
      config.retry,
      config.deadlineMs,
      (error, attempt) => reply({ kind: 'retry', attempt, message: messageOf(error) }),
      AbortSignal.any([shutdown.signal, givenUp]),
    )
    reply({ kind: 'sent', id: message.id, positions })
  } catch (error) {
    const failure =
      givenUp.aborted && !shutdown.signal.aborted
        ? new GrimError('GRIM_PUBLISH_FAILED', `${message.what} given up: the queue overflowed to the spill file`, {
            retryable: true,
            cause: error,
          })
        : error
    blockedBy ??= `an earlier batch failed (${(failure as Error).message})`
    reply({ kind: 'failed', id: message.id, error: serialize(failure) })
  }
}

async function run(): Promise<void> {
  if (running) return
  running = true
  try {
    for (let message = waiting.shift(); message; message = waiting.shift()) {
      if (message.kind === 'send') await send(message)
      else if (message.kind === 'resume') blockedBy = undefined
      else if (message.kind === 'close') {
        await producer.close()
        reply({ kind: 'closed' })
        port?.close()
      }
    }
  } finally {
    running = false
  }
}

port.on('message', (message: ToWorker) => {
  // Abort acts at once, even on a send that is waiting between retries; everything else keeps its turn.
  if (message.kind === 'abort') {
    shutdown.abort()
    blockedBy = 'the publisher is shutting down'
    return
  }
  if (message.kind === 'give-up') {
    blockedBy ??= 'the queue overflowed to the spill file'
    giveUp.abort()
    giveUp = new AbortController()
    return
  }
  waiting.push(message)
  void run()
})
