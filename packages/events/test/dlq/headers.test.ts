import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  buildDeadLetterHeaders,
  DLQ_HEADERS,
  errorClassOf,
  isDeadLetterHeader,
  REPLAY_HEADERS,
  readDeadLetterInfo,
} from '../../src/dlq/headers.ts'
import { GrimError } from '../../src/errors.ts'

const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}
const utf8 = (s: string) => Buffer.from(s)

test('buildDeadLetterHeaders keeps the original headers and adds provenance and failure as text', () => {
  const original = new Map([
    ['event_id', utf8('e-1')],
    ['traceparent', utf8('00-abc-def-01')],
  ])
  const failure = {
    error: new GrimError('GRIM_HANDLER_FAILED', 'handler broke'),
    attempts: 4,
    firstFailureAt: new Date('2025-01-01T00:00:00Z'),
    lastFailureAt: new Date('2025-01-01T00:01:00Z'),
  }
  const source = { topic: 'orders', partition: 2, offset: 41n, timestamp: 1735689600000n, headers: original }
  const headers = buildDeadLetterHeaders(source, 'billing', failure)
  assert.equal(headers.get('event_id')?.toString(), 'e-1')
  assert.equal(headers.get(DLQ_HEADERS.originalTopic)?.toString(), 'orders')
  assert.equal(headers.get(DLQ_HEADERS.originalPartition)?.toString(), '2')
  assert.equal(headers.get(DLQ_HEADERS.originalOffset)?.toString(), '41')
  assert.equal(headers.get(DLQ_HEADERS.errorClass)?.toString(), 'GRIM_HANDLER_FAILED')
  assert.equal(headers.get(DLQ_HEADERS.attempts)?.toString(), '4')
  assert.equal(original.has(DLQ_HEADERS.originalTopic), false, 'the source headers are not mutated')

  const info = readDeadLetterInfo(headers)
  assert.equal(info.format, 'grimos')
  assert.equal(info.originalTopic, 'orders')
  assert.equal(info.originalPartition, 2)
  assert.equal(info.originalOffset, 41n)
  assert.equal(info.originalTimestamp, 1735689600000n)
  assert.equal(info.consumerGroup, 'billing')
  assert.equal(info.errorMessage, 'handler broke')
  assert.equal(info.firstFailureAt, '2025-01-01T00:00:00.000Z')
  assert.equal(info.traceparent, '00-abc-def-01')
  assert.equal(info.replayCount, 0)
})

test('errorClassOf prefers our code, then the class name', () => {
  assert.equal(errorClassOf(new GrimError('GRIM_DECODE_FAILED', 'x')), 'GRIM_DECODE_FAILED')
  assert.equal(errorClassOf(new TypeError('x')), 'TypeError')
  assert.equal(errorClassOf('a string'), 'Error')
})

test('readDeadLetterInfo reads Spring Kafka headers with binary ints and longs', () => {
  const headers = new Map([
    ['kafka_dlt-original-topic', utf8('payments')],
    ['kafka_dlt-original-partition', int32(5)],
    ['kafka_dlt-original-offset', int64(123456789012n)],
    ['kafka_dlt-original-timestamp', int64(1735689600000n)],
    ['kafka_dlt-original-consumer-group', utf8('ledger')],
    ['kafka_dlt-exception-fqcn', utf8('org.springframework.kafka.listener.ListenerExecutionFailedException')],
    ['kafka_dlt-exception-cause-fqcn', utf8('java.lang.IllegalStateException')],
    ['kafka_dlt-exception-message', utf8('boom')],
    [REPLAY_HEADERS.replayCount, utf8('2')],
  ])
  const info = readDeadLetterInfo(headers)
  assert.equal(info.format, 'spring')
  assert.equal(info.originalTopic, 'payments')
  assert.equal(info.originalPartition, 5)
  assert.equal(info.originalOffset, 123456789012n)
  assert.equal(info.originalTimestamp, 1735689600000n)
  assert.equal(info.consumerGroup, 'ledger')
  assert.equal(info.errorClass, 'org.springframework.kafka.listener.ListenerExecutionFailedException')
  assert.equal(info.extra.causeClass, 'java.lang.IllegalStateException')
  assert.equal(info.replayCount, 2)
})

test('readDeadLetterInfo reads Kafka Connect headers, text-encoded numbers and connector extras', () => {
  const headers = new Map([
    ['__connect.errors.topic', utf8('crm.contacts')],
    ['__connect.errors.partition', utf8('1')],
    ['__connect.errors.offset', utf8('77')],
    ['__connect.errors.connector.name', utf8('jdbc-sink')],
    ['__connect.errors.task.id', utf8('0')],
    ['__connect.errors.stage', utf8('VALUE_CONVERTER')],
    ['__connect.errors.class.name', utf8('io.confluent.connect.avro.AvroConverter')],
    ['__connect.errors.exception.class.name', utf8('org.apache.kafka.connect.errors.DataException')],
    ['__connect.errors.exception.message', utf8('Unknown magic byte!')],
  ])
  const info = readDeadLetterInfo(headers)
  assert.equal(info.format, 'connect')
  assert.equal(info.originalTopic, 'crm.contacts')
  assert.equal(info.originalPartition, 1)
  assert.equal(info.originalOffset, 77n)
  assert.equal(info.errorClass, 'org.apache.kafka.connect.errors.DataException')
  assert.deepEqual(info.extra, {
    connector: 'jdbc-sink',
    task: '0',
    stage: 'VALUE_CONVERTER',
    stageClass: 'io.confluent.connect.avro.AvroConverter',
  })
})

test('a record without DLQ headers is of unknown format and names no original topic', () => {
  const info = readDeadLetterInfo(new Map([['event_id', utf8('e')]]))
  assert.equal(info.format, 'unknown')
  assert.equal(info.originalTopic, undefined)
})

test('isDeadLetterHeader strips DLQ and retry headers of every dialect, and nothing else', () => {
  for (const name of [
    DLQ_HEADERS.errorClass,
    'grimos.retry.attempt',
    'kafka_dlt-original-topic',
    '__connect.errors.topic',
  ])
    assert.equal(isDeadLetterHeader(name), true, name)
  for (const name of ['event_id', 'traceparent', REPLAY_HEADERS.replayCount, 'kafka_correlationId'])
    assert.equal(isDeadLetterHeader(name), false, name)
})
