// Issue 10 §3: against the real secure broker, a client without credentials, with a wrong password, or speaking
// plaintext to the TLS port gets nothing: no metadata, no read, no write. Each refusal comes back in bounded time.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { KafkaAdmin, KafkaProducer, KafkaRangeReader } from '../../packages/events/src/kafka/index.ts'
import { createTestTopic, kafkaBrokers } from '../support/index.ts'
import { as, assertConnectionRefusal, assertGrim, caPem, refusedWithin, skipUnlessSecure } from './support.ts'

const LIMIT_MS = 15_000

describe('hostile clients on the secure listener', { skip: skipUnlessSecure }, () => {
  let topic: string
  before(async () => {
    // A topic with a record in it, made by the admin (the test process's env): there is something to steal.
    topic = await createTestTopic('hostile', 1)
    const producer = new KafkaProducer()
    await producer.send([{ topic, key: 'k', value: Buffer.from('secret payload') }])
    await producer.close()
  })

  describe('no credentials (TLS, no SASL)', () => {
    const raw = { bootstrapBrokers: kafkaBrokers, tls: { ca: caPem() }, retries: 0, timeout: 3_000 }
    const closing: { close(): Promise<void> }[] = []
    after(async () => {
      for (const client of closing) await client.close()
    })

    test('gets no metadata', async () => {
      const admin = new Admin({ clientId: 'test-anonymous', ...raw })
      closing.push(admin)
      assertConnectionRefusal((await refusedWithin(LIMIT_MS, () => admin.listTopics())).error)
    })

    test('cannot write', async () => {
      const producer = new Producer({ clientId: 'test-anonymous', ...raw, serializers: stringSerializers })
      closing.push(producer)
      assertConnectionRefusal(
        (await refusedWithin(LIMIT_MS, () => producer.send({ messages: [{ topic, value: 'forged' }] }))).error,
      )
    })

    test('cannot read', async () => {
      const consumer = new Consumer({
        clientId: 'test-anonymous',
        groupId: `test-anonymous-${Date.now()}`,
        ...raw,
        deserializers: stringSerializers as never,
      })
      closing.push(consumer)
      assertConnectionRefusal(
        (await refusedWithin(LIMIT_MS, () => consumer.consume({ topics: [topic], mode: 'earliest' }))).error,
      )
    })
  })

  describe('a wrong password', () => {
    test('is GRIM_KAFKA_AUTH_FAILED naming the principal, never the password', async () => {
      const wrong = 'not-the-password-0123456789'
      const admin = new KafkaAdmin(as('auth-service', wrong))
      try {
        const { error, ms } = await refusedWithin(LIMIT_MS, () => admin.listTopics())
        const grim = assertGrim(error, 'GRIM_KAFKA_AUTH_FAILED')
        assert.match(grim.message, /auth-service/)
        assert.ok(!grim.message.includes(wrong), 'the message must not carry the password')
        assert.ok(!JSON.stringify(grim.details).includes(wrong), 'the details must not carry the password')
        assert.ok(ms < LIMIT_MS)
      } finally {
        await admin.close()
      }
    })

    test('cannot write', async () => {
      const producer = new KafkaProducer(as('admin', 'wrong-password-for-admin'))
      try {
        const { error } = await refusedWithin(LIMIT_MS, () =>
          producer.send([{ topic, key: 'k', value: Buffer.from('forged') }]),
        )
        assertGrim(error, 'GRIM_KAFKA_AUTH_FAILED')
      } finally {
        await producer.close()
      }
    })

    test('cannot read', async () => {
      const reader = new KafkaRangeReader(as('operator', 'wrong-password-for-operator'))
      try {
        const { error } = await refusedWithin(LIMIT_MS, async () => {
          for await (const _ of reader.read(topic, [{ partition: 0, from: 0n, until: 1n }])) return
        })
        assertGrim(error, 'GRIM_KAFKA_AUTH_FAILED')
      } finally {
        await reader.close()
      }
    })

    test('an unknown user is refused the same way', async () => {
      const admin = new KafkaAdmin(as('mallory', 'whatever-password'))
      try {
        const { error } = await refusedWithin(LIMIT_MS, () => admin.listTopics())
        assert.match(assertGrim(error, 'GRIM_KAFKA_AUTH_FAILED').message, /mallory/)
      } finally {
        await admin.close()
      }
    })
  })

  test('plaintext to the TLS port gets nothing', async () => {
    const admin = new Admin({ clientId: 'test-plaintext', bootstrapBrokers: kafkaBrokers, retries: 0, timeout: 3_000 })
    const producer = new Producer({
      clientId: 'test-plaintext',
      bootstrapBrokers: kafkaBrokers,
      retries: 0,
      timeout: 3_000,
      serializers: stringSerializers,
    })
    try {
      assertConnectionRefusal((await refusedWithin(LIMIT_MS, () => admin.listTopics())).error)
      assertConnectionRefusal(
        (await refusedWithin(LIMIT_MS, () => producer.send({ messages: [{ topic, value: 'forged' }] }))).error,
      )
    } finally {
      await Promise.all([admin.close(), producer.close()])
    }
  })

  describe('KafkaJS without credentials', () => {
    for (const [name, ssl] of [
      ['over TLS', { ca: caPem() }],
      ['in plaintext', false],
    ] as const) {
      test(`${name}: can neither write nor read`, async () => {
        const kafka = new Kafka({
          clientId: 'test-kafkajs-anonymous',
          brokers: kafkaBrokers,
          ssl,
          connectionTimeout: 3_000,
          requestTimeout: 3_000,
          retry: { retries: 0 },
          logLevel: logLevel.NOTHING,
        })
        const producer = kafka.producer()
        await refusedWithin(LIMIT_MS, async () => {
          await producer.connect()
          await producer.send({ topic, messages: [{ value: 'forged' }] })
        })
        await producer.disconnect()
        const consumer = kafka.consumer({ groupId: `test-kafkajs-${Date.now()}` })
        await refusedWithin(LIMIT_MS, async () => {
          await consumer.connect()
          await consumer.subscribe({ topics: [topic], fromBeginning: true })
        })
        await consumer.disconnect()
      })
    }
  })
})
