// The consumer's life: join the group (source topics plus their retry topics, co-partitioned), route each
// record to its PartitionPair, commit finished positions periodically, and let partitions go cleanly on
// revoke and on stop. Every commit names only finished offsets (at-least-once; the dedupe store turns a
// redelivery into a no-op).
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Static } from 'typebox'
import { dependencyOutageOf } from '../dependency.ts'
import { GrimError, messageOf } from '../errors.ts'
import { type IncomingRecord, KafkaGroupConsumer, type TopicPartition } from '../kafka/index.ts'
import type { KafkaClients } from '../kafka/shared-clients.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import { withTimeout } from '../sleep.ts'
import { backpressure } from './backpressure.ts'
import { deadLetterSourceOf } from './dead-letter.ts'
import type { Dispatcher } from './dispatch.ts'
import { evaluateHealth, reportFetchDiscard } from './health.ts'
import { finishedPositions } from './offsets.ts'
import { type ConsumerOptionsSchema, retryTopicOf } from './options.ts'
import type { OutageMonitor } from './outage.ts'
import { PartitionPair } from './pair.ts'
import { rejoinAfterOutage } from './reconnect.ts'
import { Slots } from './slots.ts'
import { ensureRetryTopics, gateAfterAssignment, refreshGauges } from './topics.ts'
import type { ConsumerHealth, DeadLetterSink } from './types.ts'

export type ResolvedConsumerOptions = Static<typeof ConsumerOptionsSchema>

export interface RunnerDeps {
  options: ResolvedConsumerOptions
  dispatcher: Dispatcher
  sink: DeadLetterSink
  /** Shared with the rest of the process; their owner closes them, the runner closes only its group consumer. */
  clients: KafkaClients
  metrics: ConsumerMetrics
  outages: OutageMonitor
  logger: Logger
}

type State = ConsumerHealth['details']['state']

const pairId = (topic: string, partition: number) => `${topic}\u0000${partition}`

export class ConsumerRunner {
  readonly #deps: RunnerDeps
  readonly #options: ResolvedConsumerOptions
  readonly #connection: { bootstrapBrokers?: string[]; clientId: string }
  readonly #clients: KafkaClients
  readonly #slots: Slots
  readonly #retryToSource: Map<string, string>
  readonly #pairs = new Map<string, PartitionPair>()
  /** Per topic name read (sources and retry topics): the pairs by partition number, for the per-record lookup. */
  readonly #routes = new Map<string, { retry: boolean; pairs: (PartitionPair | undefined)[] }>()
  readonly #instance = randomUUID()
  #consumer: KafkaGroupConsumer | undefined
  #state: State = 'created'
  #generation = -1
  #joined = false
  #assigned = 0
  #paused = false
  #tokens = 0
  #commitChain: Promise<void> = Promise.resolve()
  #timers: NodeJS.Timeout[] = []
  #loop: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  #runningSince = Date.now()
  #lastProgressAt: number | undefined
  #lastError: string | undefined
  /** Ends a reconnect loop's wait when the consumer stops. */
  readonly #reconnectAbort = new AbortController()

  constructor(deps: RunnerDeps) {
    this.#deps = deps
    this.#options = deps.options
    this.#connection = { bootstrapBrokers: deps.options.bootstrapBrokers, clientId: deps.options.clientId }
    this.#clients = deps.clients
    this.#slots = new Slots(deps.options.concurrency)
    this.#retryToSource = new Map(deps.options.topics.map((topic) => [retryTopicOf(topic), topic]))
    for (const topic of deps.options.topics) {
      const pairs: (PartitionPair | undefined)[] = []
      this.#routes.set(topic, { retry: false, pairs })
      this.#routes.set(retryTopicOf(topic), { retry: true, pairs })
    }
  }

  async start(): Promise<void> {
    if (this.#state !== 'created')
      throw new GrimError('GRIM_CLOSED', `consumer ${this.#options.groupId} was already started`)
    this.#state = 'starting'
    try {
      await ensureRetryTopics(this.#clients.admin, this.#options.topics, this.#options.retryTopicLayout)
      // The first dead letter must not wait for its topic to be created while every record after it piles up.
      await this.#deps.sink.prepare?.(this.#options.topics)
      const o = this.#options
      await this.#subscribe()
      this.#state = 'running'
      this.#runningSince = Date.now()
      this.#deps.metrics.up.set(1)
      this.#every(o.commitIntervalMs, () => this.#tick())
      if (o.metricsIntervalMs > 0) this.#every(o.metricsIntervalMs, () => this.#refreshGauges())
    } catch (error) {
      this.#state = 'failed'
      this.#lastError = String(error)
      await this.#closeConsumer()
      throw error
    }
  }

  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? 30_000)
    return this.#stopping
  }

  health(): ConsumerHealth {
    const pairs = [...this.#pairs.values()]
    return evaluateHealth({
      state: this.#state,
      joined: this.#joined,
      assignedPartitions: this.#assigned,
      bufferedRecords: pairs.reduce((sum, pair) => sum + pair.pending, 0),
      inFlightHandlers: this.#slots.inUse,
      parkedKeys: pairs.reduce((sum, pair) => sum + pair.parking.parkedKeys, 0),
      lastProgressAt: this.#lastProgressAt,
      runningSince: this.#runningSince,
      lastError: this.#lastError,
      stallTimeoutMs: this.#options.stallTimeoutMs,
      now: Date.now(),
      outages: this.#deps.outages.snapshot(),
    })
  }

  async #stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'created' || this.#state === 'stopped') {
      this.#state = 'stopped'
      return
    }
    this.#state = 'stopping'
    this.#reconnectAbort.abort()
    for (const timer of this.#timers) clearInterval(timer)
    this.#consumer?.pause()
    const pairs = [...this.#pairs.values()]
    const finished = await withTimeout(Promise.all(pairs.map((pair) => pair.revoke())), timeoutMs)
    await this.#commit(pairs)
    this.#clearPairs()
    await this.#closeConsumer()
    await this.#loop
    this.#state = 'stopped'
    this.#deps.metrics.up.set(0)
    this.#deps.metrics.assignedPartitions.set(0)
    if (!finished)
      throw new GrimError(
        'GRIM_SHUTDOWN_TIMEOUT',
        `handlers still ran ${timeoutMs} ms after stop(); their records will be delivered again`,
        {
          details: { groupId: this.#options.groupId, timeoutMs },
        },
      )
  }

  async #closeConsumer(): Promise<void> {
    await this.#consumer?.close().catch((error: unknown) => this.#error(error, 'closing a client'))
  }

  /** Joins the group and starts the record loop (at start, and again after the broker came back). */
  async #subscribe(): Promise<void> {
    const o = this.#options
    const consumer = new KafkaGroupConsumer({
      ...this.#connection,
      groupId: o.groupId,
      fromBeginning: o.fromBeginning,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      coPartitioned: true,
      onFetchDiscarded: (discard) => reportFetchDiscard(discard, this.#deps, o.groupId),
    })
    this.#consumer = consumer
    const loop = Promise.withResolvers<void>()
    this.#loop = loop.promise
    try {
      await consumer.consumeEach(
        [...o.topics, ...this.#retryToSource.keys()],
        {
          onRevoke: (partitions) => this.#onRevoke(partitions),
          onAssign: (partitions, generation) => this.#onAssign(partitions, generation),
        },
        {
          record: (record) => this.#accept(record),
          end: (error) => {
            // A stream of a consumer already replaced (after a reconnect) says nothing about the current one.
            if (this.#consumer === consumer) this.#streamEnded(error)
            loop.resolve()
          },
        },
      )
    } catch (error) {
      loop.resolve()
      throw error
    }
  }

  #streamEnded(error: unknown): void {
    if (this.#state !== 'running' || error === undefined) return
    // The client gives up after a few retries (about 10 s) while a broker restarts: that is an outage to wait out,
    // not the end of the consumer. Credentials or ACLs refused are not: no reconnect will change them.
    if (dependencyOutageOf(error) === 'broker') {
      void this.#reconnect(error)
      return
    }
    this.#state = 'failed'
    this.#deps.metrics.up.set(0)
    this.#error(error, 'reading from Kafka')
  }

  /**
   * After the record stream ended on a broker outage: lets the partitions go as a rebalance would (their
   * unfinished records are delivered again; dedupe absorbs what ran), then joins again (reconnect.ts). Health
   * says not ready, with the broker named, until then.
   */
  async #reconnect(error: unknown): Promise<void> {
    this.#state = 'reconnecting'
    this.#joined = false
    const { outages } = this.#deps
    outages.hold('broker', error)
    this.#error(error, 'reading from Kafka (reconnecting when the broker answers)')
    try {
      await this.#onRevoke([])
      await this.#dropConsumer('closing the ended consumer')
      const outcome = await rejoinAfterOutage({
        outages,
        signal: this.#reconnectAbort.signal,
        join: () => this.#subscribe(),
        discard: () => this.#dropConsumer('closing a failed join'),
        wanted: () => this.#state === 'reconnecting',
      })
      if (outcome.joined && this.#state === 'reconnecting') {
        this.#state = 'running'
        this.#runningSince = Date.now()
        outages.recovered('broker')
        this.#deps.logger.info({ groupId: this.#options.groupId, rounds: outcome.rounds }, 'reconnected to Kafka')
      } else if (outcome.joined) await this.#dropConsumer('closing a join that finished after stop()')
      else if (outcome.error !== undefined) {
        this.#state = 'failed'
        this.#deps.metrics.up.set(0)
        this.#error(outcome.error, 'joining the consumer group again')
      }
    } finally {
      outages.release('broker')
    }
  }

  async #dropConsumer(context: string): Promise<void> {
    const consumer = this.#consumer
    this.#consumer = undefined
    await consumer?.close().catch((error: unknown) => this.#error(error, context))
  }

  #accept(record: IncomingRecord): void {
    if (this.#state !== 'running') return
    // Fetched under an earlier generation: the partition may have moved and will be read again from the commit.
    if (record.generationId !== undefined && record.generationId !== this.#generation) return
    const route = this.#routes.get(record.topic)
    const pair = route?.pairs[record.partition]
    if (!pair) return
    if (route?.retry) pair.acceptRetry(record)
    else pair.acceptMain(record)
    this.#backpressure()
  }

  #backpressure(): void {
    const { maxBufferedRecords } = this.#options
    const change = backpressure(this.#pairs.values(), this.#paused, maxBufferedRecords, this.#state === 'running')
    if (change === undefined) return
    this.#paused = change === 'pause'
    if (this.#paused) this.#consumer?.pause()
    else this.#consumer?.resume()
  }

  #onAssign(partitions: TopicPartition[], generation: number): void {
    this.#deps.logger.info({ groupId: this.#options.groupId, generation, partitions }, 'partitions assigned')
    this.#generation = generation
    this.#joined = true
    this.#assigned = partitions.length
    this.#deps.metrics.assignedPartitions.set(partitions.length)
    const created: PartitionPair[] = []
    for (const { topic, partition } of partitions) {
      const source = this.#retryToSource.get(topic) ?? topic
      const id = pairId(source, partition)
      if (this.#pairs.has(id)) continue
      const pair = this.#createPair(source, partition)
      this.#pairs.set(id, pair)
      const route = this.#routes.get(source)
      if (route) route.pairs[partition] = pair
      created.push(pair)
    }
    void gateAfterAssignment(created, {
      admin: this.#clients.admin,
      consumer: () => this.#consumer,
      fromBeginning: this.#options.fromBeginning,
      logger: this.#deps.logger,
      wanted: () => generation === this.#generation,
      onError: (error, context) => this.#error(error, context),
    })
    this.#paused = false
    if (this.#state === 'running' || this.#state === 'starting' || this.#state === 'reconnecting')
      this.#consumer?.resume()
  }

  async #onRevoke(_partitions: TopicPartition[]): Promise<void> {
    // The classic protocol revokes everything at each rebalance; what comes back is assigned afresh.
    this.#deps.logger.info({ groupId: this.#options.groupId, generation: this.#generation }, 'partitions revoked')
    this.#joined = false
    this.#consumer?.pause()
    const pairs = [...this.#pairs.values()]
    this.#clearPairs()
    if (!(await withTimeout(Promise.all(pairs.map((pair) => pair.revoke())), this.#options.revokeTimeoutMs)))
      this.#error(new Error('handlers still running'), 'revoking partitions (their records will be delivered again)')
    await this.#commit(pairs)
  }

  #clearPairs(): void {
    this.#pairs.clear()
    for (const route of this.#routes.values()) route.pairs.length = 0
  }

  #createPair(topic: string, partition: number): PartitionPair {
    const { dispatcher, sink, metrics } = this.#deps
    return new PartitionPair({
      topic,
      retryTopic: retryTopicOf(topic),
      partition,
      groupId: this.#options.groupId,
      dispatcher,
      slots: this.#slots,
      metrics,
      produce: async (records) => {
        await this.#clients.producer.send(records)
      },
      deadLetter: async (record, state, failure) => {
        await sink.deadLetter(deadLetterSourceOf(record, state), this.#options.groupId, failure)
      },
      deadLetterMany: async (entries) => {
        const { groupId } = this.#options
        const many = entries.map(({ record, failure }) => ({ source: deadLetterSourceOf(record, undefined), failure }))
        if (sink.deadLetterMany) await sink.deadLetterMany(many, groupId)
        else await Promise.all(many.map(({ source, failure }) => sink.deadLetter(source, groupId, failure)))
      },
      onProgress: () => {
        this.#lastProgressAt = Date.now()
        if (this.#paused) this.#backpressure()
      },
      onError: (error, context) => this.#error(error, context),
      newToken: () => `${this.#instance}:${++this.#tokens}`,
      outages: this.#deps.outages,
    })
  }

  #tick(): void {
    this.#commit([...this.#pairs.values()]).catch((error) => this.#error(error, 'committing offsets'))
    const pairs = [...this.#pairs.values()]
    this.#deps.metrics.parkedKeys.set(pairs.reduce((sum, pair) => sum + pair.parking.parkedKeys, 0))
  }

  /** Commits the finished position of every given pair; one commit at a time. */
  #commit(pairs: PartitionPair[]): Promise<void> {
    const run = async () => {
      const consumer = this.#consumer
      if (!consumer) return
      const { positions, marks } = finishedPositions(pairs)
      if (positions.length === 0) return
      try {
        await consumer.commit(positions)
        for (const mark of marks) mark()
      } catch (error) {
        this.#error(error, 'committing offsets')
      }
    }
    this.#commitChain = this.#commitChain.then(run, run)
    return this.#commitChain
  }

  async #refreshGauges(): Promise<void> {
    try {
      await refreshGauges(this.#clients.admin, this.#deps.metrics, this.#options.topics, [...this.#pairs.values()])
    } catch (error) {
      this.#error(error, 'refreshing lag and DLQ depth gauges')
    }
  }

  #every(ms: number, work: () => unknown): void {
    const timer = setInterval(work, ms)
    timer.unref()
    this.#timers.push(timer)
  }

  #error(error: unknown, context: string): void {
    this.#lastError = `${context}: ${messageOf(error)}`
    this.#deps.logger.warn({ err: error, groupId: this.#options.groupId }, context)
  }
}
