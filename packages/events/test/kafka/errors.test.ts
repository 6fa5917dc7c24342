// The classifier against the client's own error objects, nested as the client nests them, and against the real
// broker where a refusal can be provoked without credentials.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
  TimeoutError,
} from '@platformatic/kafka'
import { uniqueName } from '../../../../test/support/index.ts'
import { GrimError } from '../../src/errors.ts'
import { classifyKafkaFailure, kafkaError } from '../../src/kafka/errors.ts'
import { KafkaAdmin, KafkaProducer } from '../../src/kafka/index.ts'

/** A produce answer as the client builds it: a ResponseError holding one ProtocolError per failed partition. */
const answer = (code: number) => new ResponseError(0, 9, { '/topics/0/partitions/0': [code, null] }, {})

test('authorization refusals are GRIM_KAFKA_NOT_AUTHORIZED naming principal, resource and operation', () => {
  const error = kafkaError(
    'producing to Kafka failed',
    new MultipleErrors('Producing messages failed.', [answer(29)]),
    {
      principal: 'auth-service',
    },
  )
  assert.equal(error.code, 'GRIM_KAFKA_NOT_AUTHORIZED')
  assert.equal(error.retryable, false)
  assert.match(error.message, /auth-service is not authorized on the topic \(TOPIC_AUTHORIZATION_FAILED\)/)
  assert.equal(error.details.resource, 'topic')
  assert.equal(error.details.operation, 'producing to Kafka failed')
  assert.equal(classifyKafkaFailure(new ProtocolError('GROUP_AUTHORIZATION_FAILED')).fault, 'authorization')
  assert.equal(classifyKafkaFailure(new ProtocolError(31)).apiId, 'CLUSTER_AUTHORIZATION_FAILED')
})

test('failed SASL is GRIM_KAFKA_AUTH_FAILED with the principal and never the password', () => {
  const cause = new AuthenticationError('SASL authentication failed.', {
    cause: new ProtocolError('SASL_AUTHENTICATION_FAILED'),
  })
  const error = kafkaError('joining consumer group g failed', new MultipleErrors('Connection failed', [cause]), {
    principal: 'event-consumer',
  })
  assert.equal(error.code, 'GRIM_KAFKA_AUTH_FAILED')
  assert.equal(error.retryable, false)
  assert.match(error.message, /refused the credentials of event-consumer/)
  assert.doesNotMatch(JSON.stringify(error.toJSON()), /password=|secret/i)
})

test("record refusals are the record's fault; transient trouble is GRIM_KAFKA_UNAVAILABLE", () => {
  for (const code of [10, 18, 87]) {
    const error = kafkaError('producing to Kafka failed', answer(code))
    assert.equal(error.code, 'GRIM_PUBLISH_FAILED')
    assert.equal(error.details.kafkaFault, 'record')
  }
  assert.equal(kafkaError('x', answer(17)).code, 'GRIM_PUBLISH_FAILED', 'an invalid topic name')
  for (const transient of [
    answer(6), // NOT_LEADER_OR_FOLLOWER
    new NetworkError('Connection closed'),
    new TimeoutError('Request timed out'),
    new Error('anything else'),
  ]) {
    const error = kafkaError('x', transient)
    assert.equal(error.code, 'GRIM_KAFKA_UNAVAILABLE')
    assert.equal(error.retryable, true)
  }
  assert.equal(classifyKafkaFailure(answer(36)).fault, 'topic-exists')
})

test("against the broker: a record over message.max.bytes is refused as the record's fault", async () => {
  const topic = uniqueName('kafka-errors')
  const admin = new KafkaAdmin({ clientId: 'kafka-errors-test' })
  after(async () => {
    await admin.deleteTopics([topic])
    await admin.close()
  })
  await admin.ensureTopic(topic, { partitions: 1 }, { 'max.message.bytes': '2048' })
  const producer = new KafkaProducer({ clientId: 'kafka-errors-test' })
  after(() => producer.close())
  await assert.rejects(producer.send([{ topic, key: 'k', value: Buffer.alloc(64 * 1024, 1) }]), (error: unknown) => {
    assert.ok(error instanceof GrimError)
    assert.equal(error.code, 'GRIM_PUBLISH_FAILED')
    assert.equal(error.details.kafkaFault, 'record')
    return true
  })
  // Creating it again is not an error: the broker's TOPIC_ALREADY_EXISTS is recognised by type.
  await admin.ensureTopic(topic)
})
