// The worker thread behind EventPublisher: it owns the Kafka producer and the retries, so building record
// batches, CRCs and socket writes run beside the service's event loop instead of on it. Batches go through the
// send pipeline (send-pipeline.ts): several requests under way, one per partition at a time, replies in the order
// the batches were posted. After one fails for good, every later one is refused until the publisher has kept the
// failed events and says `resume`: one user's events never overtake their own failed ones.
import { parentPort, workerData } from 'node:worker_threads'
import { asGrimError, GrimError, messageOf } from '../errors.ts'
import { KafkaProducer } from '../kafka/index.ts'
import { HeaderBufferCache, unpackBatch } from './packed-batch.ts'
import { PartitionCounts } from './partition-counts.ts'
import { sendWithRetries } from './retrying-send.ts'
import { SendPipeline } from './send-pipeline.ts'
import type { FromWorker, SendWorkerConfig, SerializedError, ToWorker } from './send-protocol.ts'

const port = parentPort
if (!port) throw new Error('send-worker.ts runs as a worker thread of EventPublisher')
const config = workerData as SendWorkerConfig
const producer = new KafkaProducer(config.connection, { compression: config.compression })
const headerBuffers = new HeaderBufferCache()
const shutdown = new AbortController()
/** Replaced after each give-up, so a later send retries again. */
let giveUp = new AbortController()
let closing = false

const counts = new PartitionCounts(
  (topic) => producer.partitionCounts([topic]),
  (topic, error) => reply({ kind: 'retry', attempt: 0, message: `partition count of ${topic}: ${messageOf(error)}` }),
)

const reply = (message: FromWorker) => port.postMessage(message)

function serialize(error: unknown): SerializedError {
  const typed = asGrimError(error, 'GRIM_PUBLISH_FAILED')
  return { code: typed.code, message: typed.message, retryable: typed.retryable, details: typed.details }
}

async function send(records: Parameters<KafkaProducer['send']>[0], what: string) {
  const givenUp = giveUp.signal
  try {
    return await sendWithRetries(
      what,
      () => producer.send(records),
      config.retry,
      config.deadlineMs,
      (error, attempt) => reply({ kind: 'retry', attempt, message: messageOf(error) }),
      AbortSignal.any([shutdown.signal, givenUp]),
    )
  } catch (error) {
    if (givenUp.aborted && !shutdown.signal.aborted)
      throw new GrimError('GRIM_PUBLISH_FAILED', `${what} given up: the queue overflowed to the spill file`, {
        retryable: true,
        cause: error,
      })
    throw error
  }
}

const pipeline = new SendPipeline(config.pipeline, {
  send,
  partitionCount: (topic) => counts.get(topic),
  settled: (outcome) =>
    reply(
      outcome.ok
        ? { kind: 'sent', id: outcome.id, positions: outcome.positions }
        : { kind: 'failed', id: outcome.id, error: serialize(outcome.error), unsent: outcome.unsent },
    ),
})

async function close(): Promise<void> {
  closing = true
  await pipeline.idle()
  await producer.close()
  reply({ kind: 'closed' })
  port?.close()
}

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'send':
      if (closing) {
        const error = new GrimError('GRIM_CLOSED', `${message.what} refused: the sender is closed`)
        return reply({ kind: 'failed', id: message.id, error: serialize(error), unsent: undefined })
      }
      return pipeline.add(message.id, message.what, unpackBatch(message.batch, headerBuffers))
    case 'warm':
      return void producer.warm([message.topic]).then(
        (found) => {
          counts.remember(found)
          reply({ kind: 'warmed', id: message.id })
        },
        (error: unknown) => reply({ kind: 'warmed', id: message.id, error: serialize(error) }),
      )
    case 'resume':
      return pipeline.resume()
    case 'abort':
      // Acts at once, even on a send that is waiting between retries.
      shutdown.abort()
      return pipeline.stop('the publisher is shutting down')
    case 'give-up':
      pipeline.stop('the queue overflowed to the spill file')
      giveUp.abort()
      giveUp = new AbortController()
      return
    case 'close':
      return void close()
  }
})
