// Tripwire for an upgrade of @platformatic/kafka: each test names the assumption of src/kafka/client-internals.ts
// it checks (A1 to A7), against the installed client and, where the behaviour only shows there, the real broker.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Consumer, type Message, MessagesStream, stringDeserializer } from '@platformatic/kafka'
import { createTestTopic, eventually, kafkaBrokers, uniqueName } from '../../../../test/support/index.ts'
import {
  CHECKED_CLIENT_VERSION,
  type FetchScreen,
  generationOf,
  positionKey,
  revokeHookOptions,
  ScreenedConsumer,
  type StreamPositions,
} from '../../src/kafka/client-internals.ts'
import { connection } from '../../src/kafka/connection.ts'
import { KafkaProducer } from '../../src/kafka/index.ts'

const broken = (assumption: string, what: string) =>
  `@platformatic/kafka broke assumption ${assumption} of packages/events/src/kafka/client-internals.ts: ${what}`

test('A0: the installed client is the version the assumptions were checked against', () => {
  // The package exports no package.json: read the one next to its resolved entry point.
  const entry = fileURLToPath(import.meta.resolve('@platformatic/kafka'))
  const manifest = join(dirname(entry), '..', 'package.json')
  const installed = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
  assert.equal(
    installed,
    CHECKED_CLIENT_VERSION,
    `@platformatic/kafka is ${installed}, client-internals.ts was checked against ${CHECKED_CLIENT_VERSION}: ` +
      'check A1 to A7 there (this file checks most of them), then bump CHECKED_CLIENT_VERSION',
  )
})

test('A2, A3: the members we use by name are still there', () => {
  const positions = Object.getOwnPropertyDescriptor(MessagesStream.prototype, 'offsetsToFetch')
  assert.equal(typeof positions?.get, 'function', broken('A2', 'MessagesStream has no offsetsToFetch getter'))
  assert.equal(typeof Consumer.prototype.fetch, 'function', broken('A3', 'Consumer.prototype.fetch is gone'))
  const currentMetadata = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Consumer.prototype), 'currentMetadata')
  assert.equal(typeof currentMetadata?.get, 'function', broken('A3', 'a client has no currentMetadata getter'))
})

test('A6: the producer takes an explicit partition modulo the partition count', async () => {
  const topic = await createTestTopic('client-internals-modulo', 2)
  const producer = new KafkaProducer({ clientId: 'client-internals-producer' })
  after(() => producer.close())
  const [position] = await producer.send([{ topic, partition: 7, value: Buffer.from('x') }])
  assert.equal(position?.partition, 1, broken('A6', `partition 7 of 2 landed on ${position?.partition}, not 1`))
})

/** A screen that records what the consumer tells it and lets `decide` rewrite each response. */
class RecordingScreen implements FetchScreen {
  stream: StreamPositions | undefined
  readonly calls: string[] = []
  decide: FetchScreen['screen'] = (_request, response) => response
  attach(stream: StreamPositions): void {
    this.stream = stream
  }
  joined(): void {
    this.calls.push('joined')
  }
  positionsSet(): void {
    this.calls.push('positions')
  }
  screen: FetchScreen['screen'] = (request, response) => {
    this.calls.push('screen')
    return this.decide(request, response)
  }
}

test('A1 to A5, A7: positions, the fetch path, resets, the revoke hook and generations on the broker', async () => {
  const topic = await createTestTopic('client-internals', 1)
  const groupId = uniqueName('client-internals')
  const producer = new KafkaProducer({ clientId: 'client-internals-producer' })
  await producer.send(Array.from({ length: 5 }, (_, i) => ({ topic, partition: 0, value: Buffer.from(String(i)) })))

  const screen = new RecordingScreen()
  const hookCommits: string[] = []
  const passBuffer = (data?: Buffer) => data
  const options = {
    // The library's own connection options: brokers, and on the secure stack its credentials and CA (env.ts).
    ...connection({ clientId: 'client-internals-consumer', bootstrapBrokers: kafkaBrokers }),
    groupId,
    groupProtocol: 'classic' as const,
    autocommit: false,
    sessionTimeout: 20_000,
    heartbeatInterval: 500,
    maxWaitTime: 200,
    deserializers: { key: passBuffer, value: passBuffer, headerKey: stringDeserializer, headerValue: passBuffer },
  }
  let consumer: ScreenedConsumer | undefined
  const first: ScreenedConsumer = new ScreenedConsumer(
    {
      ...options,
      ...revokeHookOptions(async () => {
        // Rejoins after the first join: the old generation must still accept this commit (A5).
        if (!consumer?.assignments?.length) return
        try {
          await first.commit({ offsets: [{ topic, partition: 0, offset: 2n, leaderEpoch: -1 }] })
          hookCommits.push('committed')
        } catch (error) {
          hookCommits.push(`refused: ${(error as Error).message}`)
        }
      }),
    },
    screen,
  )
  consumer = first
  const second = new ScreenedConsumer({ ...options, clientId: 'client-internals-second' }, new RecordingScreen())
  after(async () => {
    await Promise.allSettled([first.close(true), second.close(true)])
    await producer.close()
  })

  // The first data fetched from offset 0 is dropped and the position moved to 3: the stream must go on from 3.
  let moved = false
  let keysAtFirstFetch: string[] | undefined
  screen.decide = (request, response) => {
    if (moved || !screen.stream) return response
    keysAtFirstFetch ??= [...screen.stream.positions.keys()]
    const fetchedFrom = request.flatMap((t) => t.partitions).find((p) => p.partition === 0)?.fetchOffset
    const hasRecords = response.responses.some((t) => t.partitions.some((p) => p.records?.length))
    if (fetchedFrom !== 0n || !hasRecords) return response
    moved = true
    screen.stream.positions.set(positionKey(topic, 0), 3n)
    return { ...response, responses: response.responses.map((t) => ({ ...t, partitions: [] })) }
  }
  const stream = await first.consume({
    topics: [topic],
    autocommit: false,
    mode: 'committed',
    fallbackMode: 'earliest',
  })
  first.watch(stream)
  const received: Message<Buffer, Buffer, string, Buffer>[] = []
  stream.on('data', (message) => received.push(message as Message<Buffer, Buffer, string, Buffer>))
  await eventually(
    () => received.length,
    (n) => n >= 2,
  )

  assert.ok(screen.calls.includes('screen'), broken('A3', "the stream's fetches did not go through Consumer.fetch"))
  assert.ok(
    keysAtFirstFetch?.includes(positionKey(topic, 0)),
    broken('A1', `no position under "${positionKey(topic, 0)}": keys are ${keysAtFirstFetch}`),
  )
  assert.ok(moved, broken('A3', 'no fetch from offset 0 with records reached Consumer.fetch'))
  assert.deepEqual(
    received.map((m) => m.offset),
    [3n, 4n],
    broken('A2', 'setting offsetsToFetch did not move where the stream fetches (or a dropped response got through)'),
  )
  assert.equal(screen.stream?.positions, stream.offsetsToFetch, broken('A2', 'offsetsToFetch is a copy'))
  assert.equal(
    stream.offsetsToFetch.get(positionKey(topic, 0)),
    5n,
    broken('A1', `no position under "${positionKey(topic, 0)}": keys are ${[...stream.offsetsToFetch.keys()]}`),
  )
  assert.equal(
    generationOf(received[0] as Message<Buffer, Buffer, string, Buffer>),
    first.generationId,
    broken('A7', 'a message does not carry metadata.consumer.generationId'),
  )

  // A second member makes the first rejoin: the hook runs first and may commit, then the join, then the reset.
  screen.calls.length = 0
  const secondStream = await second.consume({ topics: [topic], autocommit: false, mode: 'committed' })
  after(() => secondStream.close())
  await eventually(
    () => screen.calls.filter((call) => call !== 'screen'),
    (calls) => calls.includes('positions'),
    30_000,
  )
  assert.deepEqual(
    hookCommits,
    ['committed'],
    broken('A5', 'protocolsMetadata was not called before the rejoin, or its commit was refused'),
  )
  const resets = screen.calls.filter((call) => call !== 'screen')
  assert.deepEqual(resets.slice(0, 2), ['joined', 'positions'], broken('A4', `a rejoin announced ${resets.join(', ')}`))
})
