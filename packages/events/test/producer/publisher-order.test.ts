// The publisher's ordering logic around failures, against a stand-in for the send worker that keeps the worker's
// contract (ordered sends; after a failure, later batches held back until resume) and fails on demand, which the
// real broker cannot. The registry is real; the sync producer points at a closed port, so sync sends fail.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { deleteSubjectsAfter, eventually, uniqueName } from '../../../../test/support/index.ts'
import { avroTypeFor, USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { GrimError } from '../../src/errors.ts'
import type { RecordPosition } from '../../src/kafka/index.ts'
import { type BatchSenderLike, EventPublisher } from '../../src/producer/index.ts'
import { HeaderBufferCache, type PackedBatch, unpackBatch } from '../../src/producer/packed-batch.ts'
import { SpillFile } from '../../src/producer/spill.ts'
import { withUnsent } from '../../src/producer/unsent.ts'
import { EventSerde } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

const topic = uniqueName('publisher-order')
const serde = new EventSerde({ topic })
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((type) => serde.subjectFor(type)))
after(() => serde.close())

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const input = (n: number) => ({
  ...validInputs.user_logout,
  metadata: { source: 'order-test', request_id: `e${n}` },
})

/** Ordered like the worker; `failing` names events whose batch fails once. */
class ModelSender implements BatchSenderLike {
  readonly delivered: string[] = []
  /** The events of the send that waits on a stalled broker right now, so a test can act while it waits. */
  stalledOn: string[] = []
  readonly failing: Set<string>
  /** Events of a failing batch that still reach the broker (other partitions), as the worker can report. */
  partlySent = new Set<string>()
  #stalled = false
  #aborted = false
  #wake: () => void = () => undefined
  #chain: Promise<unknown> = Promise.resolve()
  #heldBack = false
  readonly #headers = new HeaderBufferCache()

  constructor(failing: string[] = []) {
    this.failing = new Set(failing)
  }

  /** While set, sends wait (a broker that does not answer) until `abort`, a give-up, or it is cleared. */
  get stalled(): boolean {
    return this.#stalled
  }

  set stalled(stalled: boolean) {
    this.#stalled = stalled
    if (!stalled) this.#wake()
  }

  send(batch: PackedBatch, what: string): Promise<RecordPosition[]> {
    const ids = unpackBatch(batch, this.#headers).map(
      (record) =>
        (avroTypeFor('user_logout').fromBuffer(record.value!.subarray(5)) as { metadata: { request_id: string } })
          .metadata.request_id,
    )
    const sent = this.#chain.then(async () => {
      // Like the worker: a held-back batch is refused at once, without a round trip.
      if (this.#heldBack) throw new GrimError('GRIM_PUBLISH_FAILED', `${what} held back`, { retryable: true })
      await later(5)
      if (this.stalled && !this.#aborted && !this.#heldBack) {
        this.stalledOn = ids
        await new Promise<void>((resolve) => (this.#wake = resolve))
        this.stalledOn = []
      }
      if (this.#aborted) throw new GrimError('GRIM_CLOSED', `${what} abandoned: shutting down`, { retryable: true })
      if (this.#heldBack) throw new GrimError('GRIM_PUBLISH_FAILED', `${what} held back`, { retryable: true })
      if (ids.some((id) => this.failing.delete(id))) {
        this.#heldBack = true
        const error = new GrimError('GRIM_PUBLISH_FAILED', `${what} failed`, { retryable: true })
        const sent = ids.filter((id) => this.partlySent.has(id))
        if (sent.length === 0) throw error
        this.delivered.push(...sent)
        throw withUnsent(
          error,
          ids.flatMap((id, i) => (this.partlySent.has(id) ? [] : [i])),
        )
      }
      this.delivered.push(...ids)
      return []
    })
    this.#chain = sent.catch(() => undefined)
    return sent
  }

  failInTurn(error: GrimError): Promise<never> {
    this.#heldBack = true
    const failed = this.#chain.then(() => Promise.reject(error))
    this.#chain = failed.catch(() => undefined)
    return failed
  }

  resume(): void {
    this.#heldBack = false
  }

  giveUp(): void {
    this.#heldBack = true
    this.#wake()
  }

  abort(): void {
    this.#aborted = true
    this.#wake()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

function publisherWith(
  sender: ModelSender,
  queue: { capacity: number; overflow: 'reject' | 'spill'; batchSize: number } = {
    capacity: 100,
    overflow: 'reject',
    batchSize: 1,
  },
) {
  const spillFile = join(mkdtempSync(join(tmpdir(), 'grimos-order-')), 'spill.ndjson')
  const publisher = new EventPublisher({
    topic,
    clientId: 'order-test',
    bootstrapBrokers: ['127.0.0.1:1'],
    requestTimeoutMs: 200,
    deadlineMs: 300,
    retry: { initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, jitter: 0, maxAttempts: 1 },
    ensureTopic: false,
    queue,
    spillFile,
    serde,
    sender,
    metricsRegistry: new Registry(),
    logger: pino({ level: 'silent' }),
  })
  after(() => publisher.close(1_000))
  return { publisher, spill: new SpillFile(spillFile) }
}

test('an event spilled while a re-send runs is not stranded: it goes out before newer ones', async () => {
  const sender = new ModelSender(['e1'])
  const { publisher, spill } = publisherWith(sender)
  await publisher.start()
  publisher.publishInBackground(input(1))
  await publisher.flush(5_000)
  // The broker stops answering before the spill is re-sent (same turn as the flush: the idle timer that would
  // re-send it waits a retry delay), so the re-send is still running when e2 comes.
  sender.stalled = true
  assert.deepEqual(sender.delivered, [], 'e1 not re-sent yet')
  assert.equal(await spill.count(), 1, 'e1 failed and was spilled')
  // A sync publish re-sends the spill first (or joins the idle timer's re-send); e2 arrives while it runs.
  const sync = publisher.publish(input(99)).catch((error: GrimError) => error.code)
  await eventually(
    () => sender.stalledOn,
    (ids) => ids.includes('e1'),
  )
  publisher.publishInBackground(input(2))
  await publisher.flush(5_000)
  assert.equal(await spill.count(), 2, 'e2 joined the file behind e1, whose re-send still runs')
  sender.stalled = false
  assert.equal(await sync, 'GRIM_PUBLISH_FAILED', 'the sync producer cannot reach a broker')
  publisher.publishInBackground(input(3))
  await publisher.flush(5_000)
  assert.equal(await spill.count(), 0, 'nothing left behind in the spill file')
  assert.deepEqual(sender.delivered, ['e1', 'e2', 'e3'])
})

test('a batch sent in part keeps only its unsent events, and they go out again ahead of newer ones', async () => {
  const sender = new ModelSender(['e2'])
  sender.partlySent = new Set(['e1', 'e3'])
  const { publisher, spill } = publisherWith(sender, { capacity: 100, overflow: 'reject', batchSize: 4 })
  await publisher.start()
  for (let n = 1; n <= 4; n++) publisher.publishInBackground(input(n))
  await publisher.flush(5_000)
  assert.deepEqual(sender.delivered, ['e1', 'e3'], 'e1 and e3 reached the broker with the failed batch')
  assert.equal(await spill.count(), 2, 'only e2 and e4 are kept')
  publisher.publishInBackground(input(5))
  await publisher.flush(5_000)
  await eventually(
    () => sender.delivered.length,
    (n) => n === 5,
  )
  assert.deepEqual(sender.delivered, ['e1', 'e3', 'e2', 'e4', 'e5'], 'nothing sent twice; e5 after the kept ones')
})

test('with overflow "spill", a full queue spills in call order: older events first', async () => {
  const sender = new ModelSender(['e1'])
  const { publisher, spill } = publisherWith(sender, { capacity: 2, overflow: 'spill', batchSize: 1 })
  assert.equal(await spill.count(), 0)
  await publisher.start()
  publisher.publishInBackground(input(1))
  publisher.publishInBackground(input(2))
  publisher.publishInBackground(input(3))
  await publisher.flush(5_000)
  // The idle timer re-sends the file (after a retry delay); e4 comes once it has.
  await eventually(
    () => sender.delivered.length,
    (n) => n === 3,
  )
  publisher.publishInBackground(input(4))
  await publisher.flush(5_000)
  assert.deepEqual(sender.delivered, ['e1', 'e2', 'e3', 'e4'])
})

test('close past its timeout stops the sends and spills what is left, in call order, then resolves', async () => {
  const sender = new ModelSender()
  sender.stalled = true
  const { publisher, spill } = publisherWith(sender)
  await publisher.start()
  for (let n = 1; n <= 3; n++) publisher.publishInBackground(input(n))
  // A send is under way and hangs.
  await eventually(
    () => sender.stalledOn.length,
    (n) => n > 0,
  )
  const started = Date.now()
  await publisher.close(200)
  assert.ok(Date.now() - started < 2_000, 'bounded by its timeout, not by the stalled sends')
  const kept = await spill.take()
  assert.deepEqual(
    kept.events.map((event) => (event as { metadata: { request_id: string } }).metadata.request_id),
    ['e1', 'e2', 'e3'],
  )
  assert.deepEqual(sender.delivered, [])
})

test('with overflow "spill" and a broker that stops answering, nothing is refused: the pipe to disk keeps flowing', async () => {
  const sender = new ModelSender()
  const { publisher } = publisherWith(sender, { capacity: 50, overflow: 'spill', batchSize: 5 })
  await publisher.start()
  for (let n = 1; n <= 10; n++) publisher.publishInBackground(input(n))
  await publisher.flush(5_000)
  assert.equal(sender.delivered.length, 10, 'the broker answered at first')
  // It hangs now, with batches handed to the worker: without the give-up, the queue waited on them and refused
  // (six times the capacity arrives while they hang).
  sender.stalled = true
  for (let n = 11; n <= 310; n++) {
    publisher.publishInBackground(input(n))
    await later(1)
  }
  await publisher.flush(5_000)
  assert.equal(sender.delivered.length, 10, 'nothing got through while the broker hung')
  // The broker answers again: the file goes out first, in order, then newer events.
  sender.stalled = false
  // The file goes out on its own once the broker answers (the idle timer's re-send); e311 comes after.
  await eventually(
    () => sender.delivered.length,
    (n) => n === 310,
  )
  publisher.publishInBackground(input(311))
  await publisher.flush(5_000)
  await publisher.close()
  assert.deepEqual(
    sender.delivered,
    Array.from({ length: 311 }, (_, i) => `e${i + 1}`),
  )
})
