// The barrier's origin must stay uncommitted until the records behind it are re-forwarded, even when the
// barrier is read back before the retry lane finishes the origin (the produce acknowledgement races the
// fetch). Driven without a broker: the fake produce hands the barrier straight back, before it resolves.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import type { Dispatcher, DispatchResult } from '../../src/consumer/dispatch.ts'
import { PartitionPair } from '../../src/consumer/pair.ts'
import { RETRY_TOKEN_HEADER } from '../../src/consumer/retry-topic.ts'
import { Slots } from '../../src/consumer/slots.ts'
import type { IncomingRecord, OutgoingRecord } from '../../src/kafka/index.ts'
import { createConsumerMetrics } from '../../src/metrics/consumer.ts'

const retryRecord = (offset: bigint, headers: Map<string, Buffer>): IncomingRecord => ({
  topic: 't.retry',
  partition: 0,
  offset,
  timestamp: 0n,
  key: Buffer.from('user-1'),
  value: Buffer.from('v'),
  headers,
  leaderEpoch: 0,
})

// Retry records are built with a Map of Buffers, the form they are sent in.
const fromOutgoing = (record: OutgoingRecord, offset: bigint) =>
  retryRecord(offset, new Map(record.headers as Map<string, Buffer>))

const settle = () => new Promise((resolve) => setImmediate(resolve))

test('a barrier read back before its origin is finished still holds the origin until the followers are re-forwarded', async () => {
  const failOnce: DispatchResult = {
    kind: 'retry',
    eventType: 'user_updated',
    delayMs: 60_000,
    failure: { error: new Error('no'), attempts: 1, firstFailureAt: new Date(), lastFailureAt: new Date() },
  }
  const dispatcher = { dispatch: async () => failOnce } as unknown as Dispatcher
  let releaseFollower: (() => void) | undefined
  let nextOffset = 10n
  const pair: PartitionPair = new PartitionPair({
    topic: 't',
    retryTopic: 't.retry',
    partition: 0,
    groupId: 'g',
    dispatcher,
    slots: new Slots(4),
    metrics: createConsumerMetrics(new Registry()),
    produce: async ([record]) => {
      if (!record) return
      const offset = nextOffset++
      // The barrier comes back at once; the follower's re-forward stays in flight until released.
      if (offset === 10n) pair.acceptRetry(fromOutgoing(record, offset))
      else await new Promise<void>((resolve) => (releaseFollower = resolve))
    },
    deadLetter: async () => undefined,
    deadLetterMany: async () => undefined,
    onProgress: () => undefined,
    onError: (error) => assert.fail(String(error)),
    newToken: (() => {
      let n = 0
      return () => `me:${++n}`
    })(),
  })
  pair.gateUntil(undefined)
  pair.acceptRetry(retryRecord(0n, new Map([[RETRY_TOKEN_HEADER, Buffer.from('old:1')]])))
  pair.acceptRetry(retryRecord(1n, new Map([[RETRY_TOKEN_HEADER, Buffer.from('old:2')]])))
  await settle()
  assert.ok(releaseFollower, 'the follower is being re-forwarded behind the barrier')
  assert.equal(pair.retry.position, 0n, 'the origin stays uncommitted while its follower is in flight')
  releaseFollower?.()
  await settle()
  assert.equal(pair.retry.position, 10n, 'origin and follower done; the barrier itself waits for its due time')
  await pair.revoke()
})
