import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { type CallbackWithPromise, Consumer, type FetchOptions, type fetchV17 } from '@platformatic/kafka'
import { createTestTopic, eventually, uniqueName } from '../../../../test/support/index.ts'
import { type FetchDiscard, FetchGuard, positionKey } from '../../src/kafka/fetch-guard.ts'
import { KafkaGroupConsumer, KafkaProducer } from '../../src/kafka/index.ts'

const TOPIC = 'orders'
const TOPIC_ID = 'id-orders'
const key = positionKey(TOPIC, 0)

/** A stream that was reading partition 0 of `orders` and is at `position`. */
function setup(position: bigint) {
  const discards: FetchDiscard[] = []
  const guard = new FetchGuard((discard) => discards.push(discard))
  const positions = new Map([[key, position]])
  guard.attach({
    positions,
    assigned: () => [{ topic: TOPIC, partition: 0 }],
    topicName: (topicId) => (topicId === TOPIC_ID ? TOPIC : undefined),
  })
  return { guard, positions, discards }
}

const request = (fetchOffset: bigint, partition = 0): fetchV17.FetchRequestTopic[] => [
  {
    topicId: TOPIC_ID,
    partitions: [{ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 }],
  },
]

/** A response carrying one batch for partition 0 (and, when asked, an empty answer for partition 1). */
function response(options: { withData?: boolean; alsoEmpty?: boolean } = {}): fetchV17.FetchResponse {
  const answer = (partitionIndex: number, records: unknown[]) =>
    ({ partitionIndex, errorCode: 0, records }) as unknown as fetchV17.FetchResponsePartition
  const partitions = [answer(0, options.withData === false ? [] : [{ firstOffset: 0n }])]
  if (options.alsoEmpty) partitions.push(answer(1, []))
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topicId: TOPIC_ID, partitions }] }
}

const partitionsOf = (screened: fetchV17.FetchResponse) =>
  screened.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex))

test('a fetch in flight across a rejoin never reaches the stream, before or after the positions are reset', () => {
  const { guard, positions, discards } = setup(10n)
  guard.joined()
  // Lands while the stream is still resetting its positions.
  assert.deepEqual(partitionsOf(guard.screen(request(10n), response())), [])
  // The stream reset the partition to the committed offset; the next stale response lands after that.
  positions.set(key, 5n)
  guard.positionsSet()
  assert.deepEqual(partitionsOf(guard.screen(request(10n), response())), [])
  assert.equal(positions.get(key), 5n, 'a discarded partition keeps the reset position')
  assert.deepEqual(
    discards.map((d) => [d.reason, d.fetchedFrom]),
    [
      ['stale', 10n],
      ['stale', 10n],
    ],
  )
  // Fetched from the reset position: the stream gets it.
  const fresh = response()
  assert.equal(guard.screen(request(5n), fresh), fresh)
  assert.equal(discards.length, 2)
})

test('first data that does not come from the reset offset is dropped and the partition read again from there', () => {
  const { guard, positions, discards } = setup(10n)
  guard.joined()
  positions.set(key, 5n)
  guard.positionsSet()
  // Something moved the position on without the guard seeing data from 5.
  positions.set(key, 8n)
  assert.deepEqual(partitionsOf(guard.screen(request(8n), response())), [])
  assert.equal(positions.get(key), 5n)
  assert.deepEqual(discards, [{ topic: TOPIC, partition: 0, fetchedFrom: 8n, reason: 'gap', expected: 5n }])
  const fromReset = response()
  assert.equal(guard.screen(request(5n), fromReset), fromReset)
  // Past the first data, the stream's own position is all that is checked.
  positions.set(key, 9n)
  const next = response()
  assert.equal(guard.screen(request(9n), next), next)
  assert.equal(discards.length, 1)
})

test('steady reading passes responses through untouched', () => {
  const { guard, discards } = setup(10n)
  const first = response({ alsoEmpty: true })
  assert.equal(guard.screen(request(10n), first), first)
  // A stale response with no data moves nothing, so it is not worth a discard.
  guard.joined()
  const empty = response({ withData: false })
  assert.equal(guard.screen(request(10n), empty), empty)
  assert.equal(discards.length, 0)
})

test('only the stale partition is removed from a response', () => {
  const { guard, positions } = setup(10n)
  positions.set(positionKey(TOPIC, 1), 3n)
  const both = response({ alsoEmpty: true })
  const second = both.responses[0]?.partitions[1]
  if (second) second.records = [{ firstOffset: 3n }] as unknown as typeof second.records
  const asked = [
    {
      topicId: TOPIC_ID,
      partitions: [...(request(7n)[0]?.partitions ?? []), ...(request(3n, 1)[0]?.partitions ?? [])],
    },
  ]
  const screened = guard.screen(asked, both)
  assert.deepEqual(partitionsOf(screened), [1])
  assert.deepEqual(partitionsOf(both), [0, 1], 'the original response is left as it was')
})

test('nothing is screened before a stream is attached', () => {
  const discards: FetchDiscard[] = []
  const guard = new FetchGuard((discard) => discards.push(discard))
  guard.joined()
  const answer = response()
  assert.equal(guard.screen(request(10n), answer), answer)
  assert.equal(discards.length, 0)
})

test('on the broker: a fetch held across a rejoin does not skip the records between the commit and it', async () => {
  const topic = await createTestTopic('fetch-guard', 1)
  const producer = new KafkaProducer({ clientId: 'fetch-guard-producer' })
  const produce = (from: number, count: number) =>
    producer.send(
      Array.from({ length: count }, (_, i) => ({ topic, partition: 0, value: Buffer.from(String(from + i)) })),
    )
  await produce(0, 10)

  // Holds the first fetch response carrying records once armed, the way a slow fetch outlives a rejoin.
  const original = Consumer.prototype.fetch
  type Client = Consumer<Buffer, Buffer, string, Buffer>
  type Options = FetchOptions<Buffer, Buffer, string, Buffer>
  const fetchWithCallback = original as (
    this: Client,
    options: Options,
    callback: CallbackWithPromise<fetchV17.FetchResponse>,
  ) => void
  let client: Client | undefined
  let armed = false
  let release: (() => void) | undefined
  Consumer.prototype.fetch = function (
    this: Client,
    options: Options,
    callback?: CallbackWithPromise<fetchV17.FetchResponse>,
  ) {
    client = this
    if (!callback) return original.call(this, options)
    fetchWithCallback.call(this, options, (error, answer) => {
      const hasRecords = answer?.responses.some((t) => t.partitions.some((p) => p.records?.length))
      if (armed && !error && hasRecords) {
        armed = false
        release = () => callback(error, answer)
      } else callback(error, answer)
    })
  } as typeof original
  // Counts the stream's position resets (its 'offsets' event, which the guard is told of).
  let positionResets = 0
  const positionsSet = FetchGuard.prototype.positionsSet
  FetchGuard.prototype.positionsSet = function (this: FetchGuard) {
    positionResets++
    positionsSet.call(this)
  }
  const discards: FetchDiscard[] = []
  const consumer = new KafkaGroupConsumer({
    clientId: 'fetch-guard-consumer',
    groupId: uniqueName('fetch-guard'),
    onFetchDiscarded: (discard) => discards.push(discard),
  })
  after(async () => {
    Consumer.prototype.fetch = original
    FetchGuard.prototype.positionsSet = positionsSet
    await Promise.all([consumer.close(), producer.close()])
  })
  const received: bigint[] = []
  await consumeAll(consumer, topic, received)
  await eventually(
    () => received.length,
    (n) => n === 10,
  )

  // Read up to 10, committed up to 5 (handlers still busy), a fetch from 10 in flight: then the rejoin.
  await consumer.commit([{ topic, partition: 0, offset: 5n, leaderEpoch: -1 }])
  armed = true
  await produce(10, 10)
  await eventually(
    () => release,
    (held) => held !== undefined,
  )
  received.length = 0
  const joined = client
  assert.ok(joined)
  const resetsBefore = positionResets
  joined.emit('consumer:group:join', {
    groupId: joined.groupId,
    memberId: joined.memberId ?? '',
    generationId: joined.generationId,
    isLeader: true,
    assignments: joined.assignments ?? [],
  })
  // The stale response lands only once the stream has reset its position to the committed 5.
  const resets = await eventually(
    () => positionResets,
    (n) => n > resetsBefore,
  )
  assert.ok(resets > resetsBefore, 'the stream reset its positions after the rejoin')
  release?.()

  await eventually(
    () => received.length,
    (n) => n >= 15,
  )
  assert.deepEqual(
    received,
    Array.from({ length: 15 }, (_, i) => BigInt(5 + i)),
    'everything from the committed offset on arrives, in order',
  )
  assert.deepEqual(
    discards.map((d) => [d.reason, d.fetchedFrom]),
    [['stale', 10n]],
  )
})

async function consumeAll(consumer: KafkaGroupConsumer, topic: string, received: bigint[]): Promise<void> {
  await consumer.consumeEach(
    [topic],
    { onRevoke: () => Promise.resolve(), onAssign: () => undefined },
    {
      record: (record) => received.push(record.offset),
      end: (error) => assert.equal(error, undefined, 'the stream only ends when closed'),
    },
  )
}
