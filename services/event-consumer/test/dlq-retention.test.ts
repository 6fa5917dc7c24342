// The DLQ topic the consumer's writer creates has retention.ms set (docs/privacy.md), not the broker's default.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Admin, ConfigResourceTypes } from '@platformatic/kafka'
import { connection } from '../../../packages/events/src/kafka/connection.ts'
import { createTestTopic } from '../../../test/support/index.ts'
import { DeadLetterWriter } from '../src/events.ts'

const topic = await createTestTopic('ec-dlq-retention', 2, ['.dlq'])

async function retentionOf(name: string): Promise<string | undefined> {
  const admin = new Admin(connection({ clientId: 'grimos-tests' }))
  try {
    const [description] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configurationKeys: ['retention.ms'] }],
    })
    return description?.configs.find((config) => config.name === 'retention.ms')?.value ?? undefined
  } finally {
    await admin.close()
  }
}

test('a dead-lettered record creates <topic>.dlq with retention.ms of 14 days', async () => {
  const writer = new DeadLetterWriter({ connection: { clientId: 'grimos-tests' } })
  try {
    await writer.deadLetter(
      {
        topic,
        partition: 0,
        offset: 0n,
        timestamp: 0n,
        key: Buffer.from('user-1'),
        value: Buffer.from('x'),
        headers: new Map(),
      },
      'retention-test-group',
      { error: new Error('poison'), attempts: 1, firstFailureAt: new Date(), lastFailureAt: new Date() },
    )
  } finally {
    await writer.close()
  }
  assert.equal(await retentionOf(`${topic}.dlq`), String(14 * 24 * 60 * 60 * 1000))
})
