// The gate after an assignment (docs/consumer.md, "The gate"): the main lane waits until the retry partition was
// read up to its last record as of the assignment, whoever that record belongs to.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import type { Dispatcher } from '../../src/consumer/dispatch.ts'
import { PartitionPair } from '../../src/consumer/pair.ts'
import { RETRY_GROUP_HEADER } from '../../src/consumer/retry-topic.ts'
import { Slots } from '../../src/consumer/slots.ts'
import type { IncomingRecord } from '../../src/kafka/index.ts'
import { createConsumerMetrics } from '../../src/metrics/consumer.ts'

function pairWith(dispatched: bigint[]): PartitionPair {
  const dispatcher = {
    dispatch: async ({ record }: { record: IncomingRecord }) => {
      dispatched.push(record.offset)
      return { kind: 'done', outcome: 'success', eventType: 'user_login' }
    },
  } as unknown as Dispatcher
  return new PartitionPair({
    topic: 't',
    retryTopic: 't.retry',
    partition: 0,
    groupId: 'mine',
    dispatcher,
    slots: new Slots(4),
    metrics: createConsumerMetrics(new Registry()),
    produce: async () => undefined,
    deadLetter: async () => undefined,
    deadLetterMany: async () => undefined,
    onProgress: () => undefined,
    onError: (error) => assert.fail(String(error)),
    newToken: () => 'token',
  })
}

const record = (topic: string, offset: bigint, headers = new Map<string, Buffer>()): IncomingRecord =>
  ({
    topic,
    partition: 0,
    offset,
    timestamp: 0n,
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    headers,
  }) as IncomingRecord

test("the gate opens when the retry backlog's last record is another group's", async () => {
  const dispatched: bigint[] = []
  const pair = pairWith(dispatched)
  pair.gateUntil(5n)
  pair.acceptMain(record('t', 0n))
  assert.equal(pair.gated, true, 'main records wait while the backlog is unread')
  pair.acceptRetry(record('t.retry', 5n, new Map([[RETRY_GROUP_HEADER, Buffer.from('another-group')]])))
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(pair.gated, false)
  assert.deepEqual(dispatched, [0n])
  await pair.revoke()
})
