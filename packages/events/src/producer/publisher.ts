import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Static } from 'typebox'
import { createUserEvent, type PublishUserEventInput, type UserEvent } from '../catalog/index.ts'
import { asGrimError, GrimError, messageOf } from '../errors.ts'
import { KafkaAdmin, KafkaProducer, type RecordPosition } from '../kafka/index.ts'
import { libraryLogger } from '../logger.ts'
import { createProducerMetrics, type ProducerMetrics } from '../metrics/producer.ts'
import { defaultRegistry } from '../metrics/registry.ts'
import { resolveOptions } from '../options.ts'
import { EventSerde } from '../serde/index.ts'
import { withProducerSpan } from '../tracing/propagation.ts'
import { BackgroundQueue } from './background-queue.ts'
import { defaultSpillFile, PublisherOptionsSchema, publisherDefaults } from './options.ts'
import { PackedBatchBuilder } from './packed-batch.ts'
import { eventHeaders, toRecord } from './record.ts'
import { sendWithRetries } from './retrying-send.ts'
import { BatchSender } from './sender.ts'
import { SpillBacklog } from './spill-backlog.ts'
import { unsentOf } from './unsent.ts'

type PublisherSettings = Static<typeof PublisherOptionsSchema>

export type PublisherOptions = Partial<Omit<PublisherSettings, 'sendWorker'>> & {
  /** Fields left out keep their defaults. */
  sendWorker?: Partial<PublisherSettings['sendWorker']>
  /** Called for every background event that failed all retries (it is spilled, not lost). */
  onBackgroundFailure?: (event: UserEvent, error: GrimError) => void
  metricsRegistry?: Registry
  logger?: Logger
  /** Injected for tests; by default one is built from `registryUrl`. */
  serde?: EventSerde
  /** Injected for tests of the ordering logic; by default the send worker (sender.ts). */
  sender?: BatchSenderLike
}

/** What the publisher needs of its background sender: ordered sends, held back after a failure until resume. */
export type BatchSenderLike = Pick<BatchSender, 'send' | 'failInTurn' | 'resume' | 'giveUp' | 'abort' | 'close'> &
  Partial<Pick<BatchSender, 'warm'>>

export interface PublishResult {
  topic: string
  partition: number
  offset: bigint
  eventId: string
}

interface QueuedEvent {
  event: UserEvent
  /** Taken at the call, so the record carries the caller's trace context. */
  headers: Record<string, string>
  enqueuedAt: number
  onFailure?: (event: UserEvent, error: GrimError) => void
}

/**
 * Publishes user events: `publish` resolves once the broker has the event (idempotent producer, acks=all);
 * `publishInBackground` returns at once and goes through a bounded queue. Events that fail every retry in the
 * background are reported (log, metric, callback) and kept in a spill file that the next start re-sends.
 * Events are validated and Avro-encoded on the caller's thread. Background batches are sent, and retried, by
 * a producer in a worker thread (send-worker.ts), so the client's per-record work does not load the service's
 * event loop; a sync `publish` is sent and retried from the caller's thread by a second producer.
 */
export class EventPublisher {
  readonly options: Static<typeof PublisherOptionsSchema>
  readonly #serde: EventSerde
  /** A serde passed in belongs to the caller, who may share it: only our own is closed with us. */
  readonly #ownsSerde: boolean
  readonly #sender: BatchSenderLike
  /** Sync publishes go from the caller's thread: one event gains nothing from the worker, and skips two hops. */
  readonly #syncProducer: KafkaProducer
  readonly #shutdown = new AbortController()
  readonly #metrics: ProducerMetrics
  readonly #log: Logger
  readonly #queue: BackgroundQueue<QueuedEvent>
  /** Events that failed every retry, on disk until re-sent ahead of newer ones (spill-backlog.ts). */
  readonly #backlog: SpillBacklog
  #ready: Promise<void> | undefined
  /** Topic checked and every schema id in memory: batches can be encoded and handed to the worker at once. */
  #started = false
  #closed = false

  constructor(input: PublisherOptions = {}) {
    const { onBackgroundFailure, metricsRegistry, logger, serde, sender, sendWorker, ...rest } = input
    const settings = { ...rest, sendWorker: sendWorker && { ...publisherDefaults.sendWorker, ...sendWorker } }
    this.options = resolveOptions('publisher', PublisherOptionsSchema, publisherDefaults, settings, {
      spillFile: defaultSpillFile(),
    })
    const connection = {
      clientId: this.options.clientId,
      bootstrapBrokers: this.options.bootstrapBrokers,
      requestTimeoutMs: this.options.requestTimeoutMs,
    }
    this.#sender =
      sender ??
      new BatchSender(
        {
          connection,
          retry: this.options.retry,
          deadlineMs: this.options.deadlineMs,
          youngGenerationMb: this.options.sendWorker.youngGenerationMb,
          compression: this.options.sendWorker.compression,
          pipeline: {
            maxInFlight: this.options.sendWorker.maxInFlight,
            maxRequestRecords: this.options.sendWorker.maxRequestRecords,
            lingerMs: this.options.sendWorker.lingerMs,
          },
        },
        (attempt, message) => this.#onRetry('background', attempt, message),
      )
    this.#syncProducer = new KafkaProducer(connection)
    this.#serde = serde ?? new EventSerde({ registryUrl: this.options.registryUrl, topic: this.options.topic })
    this.#ownsSerde = serde === undefined
    this.#metrics = createProducerMetrics(metricsRegistry ?? defaultRegistry())
    this.#log = logger ?? libraryLogger('grimos-events')
    this.#backlog = new SpillBacklog({
      file: this.options.spillFile,
      log: this.#log,
      metrics: this.#metrics,
      onBackgroundFailure,
      retryEveryMs: this.options.retry.maxDelayMs,
      resend: (events) => this.#resend(events),
      beforeResend: async () => {
        // Batches handed on before a failure are refused by the worker and kept first; only then may it send again.
        await this.#queue.settled()
        this.#sender.resume()
      },
      mayResend: () => this.#started && !this.#closed,
    })
    this.#queue = new BackgroundQueue(
      this.options.queue,
      {
        canHandOver: () => this.#started && !this.#backlog.pending,
        handOver: (batch) => this.#handOver(batch),
        drainBatch: (batch) => this.#sendBackgroundBatch(batch),
      },
      (depth) => this.#metrics.queueDepth.set(depth),
    )
  }

  /** Creates the topic if missing and registers the schemas. Safe to call twice; spilled events go out with the next send. */
  start(): Promise<void> {
    this.#ready ??= this.#start().catch((error: unknown) => {
      // Let the next call try again (the registry or broker may be back by then).
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  async #start(): Promise<void> {
    if (this.options.ensureTopic) {
      const admin = new KafkaAdmin({
        clientId: `${this.options.clientId}-admin`,
        bootstrapBrokers: this.options.bootstrapBrokers,
      })
      try {
        await admin.ensureTopic(this.options.topic, this.options.topicLayout)
      } finally {
        await admin.close()
      }
    }
    await Promise.all([this.#serde.registerSchemas(), this.#warm()])
    await this.#backlog.checkAtStart()
    this.#started = true
  }

  /**
   * Both producers connect, get their producer ids and the topic's metadata now, and the send worker starts, so
   * the first events do not wait for any of it. Best effort, and waited for at most `requestTimeoutMs`: a broker
   * that is away now is retried by the sends, and must not hold start() up for the client's own retries.
   */
  async #warm(): Promise<void> {
    const topic = this.options.topic
    const warming = Promise.allSettled([this.#sender.warm?.(topic), this.#syncProducer.warm([topic])]).then(
      (results) => {
        for (const result of results)
          if (result.status === 'rejected')
            this.#log.warn({ err: messageOf(result.reason) }, 'publisher warm-up failed; the first sends will connect')
      },
    )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      warming,
      new Promise((resolve) => (timer = setTimeout(resolve, this.options.requestTimeoutMs))),
    ])
    clearTimeout(timer)
  }

  async #resend(events: UserEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += this.options.queue.batchSize) {
      const chunk = events.slice(start, start + this.options.queue.batchSize)
      await this.#sendEvents(chunk.map((event) => ({ event, headers: eventHeaders(event) })))
    }
  }

  /** Validates, encodes and sends one event; resolves with its position once the broker acknowledged it. */
  async publish<T extends PublishUserEventInput>(input: T): Promise<PublishResult> {
    this.#assertOpen()
    const event = this.#build(input, 'sync')
    const started = performance.now()
    await this.start()
    // Older events of this user may wait in the spill file; they go first or this call fails.
    if (this.#backlog.pending) await this.#backlog.drain()
    try {
      const [position] = await withProducerSpan(
        `${this.options.topic} publish`,
        {
          'messaging.system': 'kafka',
          'messaging.destination.name': this.options.topic,
          'grimos.event_type': event.event_type,
        },
        () => this.#sendSync(event),
      )
      this.#metrics.published.inc({ event_type: event.event_type, mode: 'sync', outcome: 'success' })
      this.#metrics.publishDuration.observe({ mode: 'sync' }, (performance.now() - started) / 1000)
      if (!position) throw new GrimError('GRIM_PUBLISH_FAILED', 'the broker acknowledged no position for the event')
      return { topic: position.topic, partition: position.partition, offset: position.offset, eventId: event.event_id }
    } catch (error) {
      this.#metrics.published.inc({ event_type: event.event_type, mode: 'sync', outcome: 'failure' })
      throw error
    }
  }

  /**
   * Validates at once (an invalid event throws here, synchronously) and queues the event. A full queue throws
   * GRIM_QUEUE_FULL, or spills the event when `queue.overflow` is 'spill'. Returns the event id.
   */
  publishInBackground<T extends PublishUserEventInput>(
    input: T,
    onFailure?: (event: UserEvent, error: GrimError) => void,
  ): { eventId: string } {
    this.#assertOpen()
    const event = this.#build(input, 'background')
    const item = { event, headers: eventHeaders(event), enqueuedAt: performance.now(), onFailure }
    try {
      if (this.#queue.isFull && this.options.queue.overflow === 'spill') {
        // Everything not yet handed on goes to the spill file from now on, in queue order, so this event lands
        // behind the older ones and ahead of the newer ones; the queue turns into a pipe to the disk until a
        // re-send of the file succeeds. Batches the worker is still retrying are given up at once (kept, in
        // order, ahead of these): waiting out their deadlines would block the pipe and refuse events.
        if (!this.#backlog.pending) this.#sender.giveUp()
        this.#backlog.markPending()
        this.#queue.pushBeyondCapacity(item)
      } else this.#queue.push(item)
    } catch (error) {
      this.#metrics.published.inc({ event_type: event.event_type, mode: 'background', outcome: 'rejected' })
      throw error
    }
    return { eventId: event.event_id }
  }

  #build(input: PublishUserEventInput, mode: 'sync' | 'background'): UserEvent {
    try {
      return createUserEvent(input)
    } catch (error) {
      this.#metrics.published.inc({ event_type: String(input.eventType), mode, outcome: 'invalid' })
      throw error
    }
  }

  /** Through the send worker, after every batch handed to it before. */
  async #sendEvents(items: { event: UserEvent; headers: Record<string, string> }[]): Promise<RecordPosition[]> {
    for (const eventType of new Set(items.map((item) => item.event.event_type)))
      await this.#serde.schemaIdFor(eventType)
    return this.#sender.send(this.#pack(items), describe(items))
  }

  async #sendSync(event: UserEvent): Promise<RecordPosition[]> {
    const record = toRecord(this.options.topic, event, await this.#serde.encodeValidated(event))
    return sendWithRetries(
      describe([{ event }]),
      () => this.#syncProducer.send([record]),
      this.options.retry,
      this.options.deadlineMs,
      (error, attempt) => this.#onRetry('sync', attempt, messageOf(error)),
      this.#shutdown.signal,
    )
  }

  #onRetry(mode: 'sync' | 'background', attempt: number, message: string): void {
    this.#metrics.retries.inc({ mode })
    this.#log.warn({ attempt, err: message }, 'publish failed, retrying')
  }

  /** Encodes the events into one packed batch; every schema id must be in memory (the caller made sure). */
  #pack(items: { event: UserEvent; headers: Record<string, string> }[]) {
    const builder = new PackedBatchBuilder(this.options.topic, items.length * 256)
    for (const { event, headers } of items) {
      builder.add(event.user_id, headers, (target, offset) => {
        const end = this.#serde.writeValidated(event, target, offset)
        if (end === undefined) throw new GrimError('GRIM_PUBLISH_FAILED', `no schema id for ${event.event_type} yet`)
        return end
      })
    }
    return builder.build()
  }

  /** The fast path: encoded and posted to the worker now, settled when it answers. */
  #handOver(batch: QueuedEvent[]): Promise<void> {
    let sent: Promise<RecordPosition[]>
    try {
      sent = this.#sender.send(this.#pack(batch), describe(batch))
    } catch (error) {
      // In turn: batches handed on before this one settle (and, failing, are kept) first.
      sent = this.#sender.failInTurn(asGrimError(error, 'GRIM_PUBLISH_FAILED'))
    }
    return sent.then(
      () => this.#recordBackgroundSuccess(batch),
      (error: unknown) => {
        // Records of other partitions may have gone out before the failure: only the rest is kept.
        const unsent = unsentOf(batch, error)
        if (unsent.length < batch.length) {
          const kept = new Set(unsent)
          this.#recordBackgroundSuccess(batch.filter((item) => !kept.has(item)))
        }
        return this.#keep(unsent, error)
      },
    )
  }

  #recordBackgroundSuccess(batch: QueuedEvent[]): void {
    const now = performance.now()
    const latency = this.#metrics.publishDuration.labels({ mode: 'background' })
    const perType = new Map<string, number>()
    for (const item of batch) {
      perType.set(item.event.event_type, (perType.get(item.event.event_type) ?? 0) + 1)
      latency.observe((now - item.enqueuedAt) / 1000)
    }
    for (const [eventType, count] of perType)
      this.#metrics.published.inc({ event_type: eventType, mode: 'background', outcome: 'success' }, count)
  }

  async #sendBackgroundBatch(batch: QueuedEvent[]): Promise<void> {
    try {
      await this.start()
      // While older events wait in the spill file, this batch joins them (the catch keeps it) or waits for a
      // re-send that got through (spill-backlog.ts).
      await this.#backlog.admit()
      await this.#sendEvents(batch)
      this.#recordBackgroundSuccess(batch)
    } catch (error) {
      await this.#keep(batch, error)
    }
  }

  /** The end of every failure path in the background: the events kept on disk, and reported (keep-failed.ts). */
  #keep(items: Pick<QueuedEvent, 'event' | 'onFailure'>[], cause: unknown): Promise<void> {
    return this.#backlog.keep(items, cause)
  }

  /** Waits until every queued event is acknowledged or spilled. */
  flush(timeoutMs = this.options.deadlineMs * 2): Promise<void> {
    return this.#queue.flush(timeoutMs)
  }

  /**
   * Graceful shutdown: flushes the queue within `timeoutMs`. What is not sent by then stops retrying and is
   * spilled, in order (batches in the worker fail at once, events still queued follow them); then the producers
   * close.
   */
  async close(timeoutMs = this.options.deadlineMs * 2): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.#queue.flush(timeoutMs)
      // A re-send under way may hold events the queue already spilled: let it finish, within the same bound.
      await this.#backlog.close(timeoutMs)
    } catch {
      this.#sender.abort()
      this.#shutdown.abort()
      const waiting = this.#queue.takeAll()
      await this.#queue.idle()
      if (waiting.length > 0)
        await this.#keep(waiting, new GrimError('GRIM_SHUTDOWN_TIMEOUT', `not sent within ${timeoutMs} ms of close`))
    } finally {
      await Promise.all([this.#sender.close(), this.#syncProducer.close()])
      if (this.#ownsSerde) await this.#serde.close()
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new GrimError('GRIM_CLOSED', 'the event publisher is closed')
  }
}

function describe(items: { event: UserEvent }[]): string {
  const first = items[0]?.event
  return items.length === 1 ? `publishing ${first?.event_type} ${first?.event_id}` : `publishing ${items.length} events`
}
