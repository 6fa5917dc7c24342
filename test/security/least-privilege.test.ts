// Issue 10 §3: each service's principal can do what its ACLs grant (infra/stack/acls.ts) and nothing more. The
// refusals are GRIM_KAFKA_NOT_AUTHORIZED naming the principal, the resource and the operation, and the broker's
// authorizer logs each denial with principal and resource.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { USER_EVENTS_TOPIC } from '../../infra/stack/acls.ts'
import { stackConfig } from '../../infra/stack/config.ts'
import { KafkaAdmin, KafkaProducer, KafkaRangeReader } from '../../packages/events/src/kafka/index.ts'
import { eventually, uniqueName } from '../support/index.ts'
import { as, assertGrim, refusedWithin, skipUnlessSecure } from './support.ts'

const LIMIT_MS = 20_000
const record = (topic: string) => [{ topic, key: 'k', value: Buffer.from('not allowed') }]

/** GRIM_KAFKA_NOT_AUTHORIZED, with the principal, the resource kind and the operation in message and details. */
function assertDenied(error: unknown, principal: string, resource: string, operation: RegExp) {
  const grim = assertGrim(error, 'GRIM_KAFKA_NOT_AUTHORIZED')
  const details = grim.details as { principal?: string; resource?: string; operation?: string }
  assert.equal(details.principal, principal)
  assert.equal(details.resource, resource)
  assert.match(details.operation ?? '', operation)
  assert.match(grim.message, new RegExp(principal))
}

/** This checkout's broker log, when this checkout runs the broker (the suite may point at another stack). */
const kafkaLog = join(stackConfig.logsDir, 'kafka.log')

describe('least privilege of the services principals', { skip: skipUnlessSecure }, () => {
  before(async () => {
    // The services' topics, as the services would create them: a refusal must be the ACL's, not a missing topic.
    const admin = new KafkaAdmin()
    try {
      await admin.ensureTopic(USER_EVENTS_TOPIC)
      await admin.ensureTopic(`${USER_EVENTS_TOPIC}.dlq`)
    } finally {
      await admin.close()
    }
  })

  test('auth-service cannot read the user events topic', async () => {
    const reader = new KafkaRangeReader(as('auth-service'))
    try {
      const { error } = await refusedWithin(LIMIT_MS, async () => {
        for await (const _ of reader.read(USER_EVENTS_TOPIC, [{ partition: 0, from: 0n, until: 1n }])) return
      })
      assertDenied(error, 'auth-service', 'topic', /reading grimos\.user-events/)
    } finally {
      await reader.close()
    }
  })

  test('auth-service cannot write the DLQ', async () => {
    const producer = new KafkaProducer(as('auth-service'))
    try {
      const { error } = await refusedWithin(LIMIT_MS, () => producer.send(record(`${USER_EVENTS_TOPIC}.dlq`)))
      assertDenied(error, 'auth-service', 'topic', /producing/)
    } finally {
      await producer.close()
    }
    if (existsSync(kafkaLog)) {
      // The authorizer's own line: who, what, on which resource.
      const line = await eventually(
        () =>
          readFileSync(kafkaLog, 'utf8')
            .match(/Principal = User:auth-service is Denied operation = \w+ .*/g)
            ?.findLast((found) => found.includes(`Topic:LITERAL:${USER_EVENTS_TOPIC}.dlq `)),
        (found) => found !== undefined,
      )
      assert.match(line ?? '', /is Denied operation = (WRITE|DESCRIBE) .* Topic:LITERAL:grimos\.user-events\.dlq /)
    }
  })

  test('auth-service cannot create topics', async () => {
    const admin = new KafkaAdmin(as('auth-service'))
    try {
      const name = uniqueName('hostile-create')
      const { error } = await refusedWithin(LIMIT_MS, () => admin.ensureTopic(name, { partitions: 1 }))
      assertDenied(error, 'auth-service', 'topic', /creating topic/)
    } finally {
      await admin.close()
    }
  })

  test('event-consumer cannot write the user events topic', async () => {
    const producer = new KafkaProducer(as('event-consumer'))
    try {
      const { error } = await refusedWithin(LIMIT_MS, () => producer.send(record(USER_EVENTS_TOPIC)))
      assertDenied(error, 'event-consumer', 'topic', /producing/)
    } finally {
      await producer.close()
    }
  })

  test('registry cannot read the user events topic', async () => {
    const reader = new KafkaRangeReader(as('registry'))
    try {
      const { error } = await refusedWithin(LIMIT_MS, async () => {
        for await (const _ of reader.read(USER_EVENTS_TOPIC, [{ partition: 0, from: 0n, until: 1n }])) return
      })
      assertDenied(error, 'registry', 'topic', /grimos\.user-events/)
    } finally {
      await reader.close()
    }
  })

  test('operator reads but cannot write the DLQ itself', async () => {
    const producer = new KafkaProducer(as('operator'))
    try {
      const { error } = await refusedWithin(LIMIT_MS, () => producer.send(record(`${USER_EVENTS_TOPIC}.dlq`)))
      assertDenied(error, 'operator', 'topic', /producing/)
    } finally {
      await producer.close()
    }
  })
})
