import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildRetryRecord, decideRetry, RETRY_TOKEN_HEADER, readRetryState } from '../../src/consumer/retry-topic.ts'
import { RETRY_HEADERS } from '../../src/dlq/headers.ts'
import type { IncomingRecord } from '../../src/kafka/index.ts'

const policy = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 5_000, jitter: 0, maxAttempts: 4 }

test('short delays stay in process, long ones go to the retry topic, the last attempt dead-letters', () => {
  assert.deepEqual(decideRetry(policy, 1, true, 250), { kind: 'in-process', delayMs: 100 })
  assert.deepEqual(decideRetry(policy, 2, true, 250), { kind: 'in-process', delayMs: 200 })
  assert.deepEqual(decideRetry(policy, 3, true, 250), { kind: 'retry-topic', delayMs: 400 })
  assert.deepEqual(decideRetry(policy, 4, true, 250), { kind: 'dead-letter' })
  assert.deepEqual(decideRetry(policy, 1, false, 250), { kind: 'dead-letter' }, 'not retryable: at once')
})

test('a retry record keeps key, value, timestamp and original headers, and round-trips its state', () => {
  const record: IncomingRecord = {
    topic: 'events',
    partition: 2,
    offset: 41n,
    timestamp: 1_700_000_000_000n,
    key: Buffer.from('user-1'),
    value: Buffer.from('payload'),
    headers: new Map([
      ['traceparent', Buffer.from('00-abc-def-01')],
      [RETRY_HEADERS.attempt, Buffer.from('9')],
    ]),
    leaderEpoch: 0,
  }
  const state = {
    dueAt: 1_700_000_005_000,
    attempt: 2,
    firstFailureAt: new Date('2025-01-01T00:00:00Z'),
    originalTopic: 'events',
    originalPartition: 2,
    originalOffset: 41n,
  }
  const out = buildRetryRecord({
    record,
    retryTopic: 'events.retry',
    state,
    token: 't',
    groupId: 'g',
    lastError: new Error('boom'),
  })
  assert.equal(out.partition, 2, 'same partition number as the source')
  assert.equal(out.timestamp, record.timestamp)
  assert.equal(out.key, record.key)
  assert.ok(out.headers instanceof Map, 'the headers stay a Map of Buffers')
  const headers = out.headers as Map<string, Buffer>
  assert.equal(headers.get('traceparent')?.toString(), '00-abc-def-01')
  assert.equal(headers.get(RETRY_HEADERS.lastError)?.toString(), 'Error: boom')
  assert.equal(headers.get(RETRY_TOKEN_HEADER)?.toString(), 't')
  const back = readRetryState({ ...record, topic: 'events.retry', offset: 7n, headers })
  assert.deepEqual(back, { ...state, token: 't', group: 'g' })
})
