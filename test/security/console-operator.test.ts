// The console's ACL (infra/stack/acls.ts): the operator principal may reset the offsets of the grimOS groups
// (prefix `grimos-`, OffsetCommit needs READ on the group), and of no other group.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { OPERATOR_RESET_GROUP_PREFIX } from '../../infra/stack/acls.ts'
import { KafkaInspector } from '../../packages/events/src/kafka/index.ts'
import { createTestTopic, uniqueName } from '../support/index.ts'
import { as, assertGrim, refusedWithin, skipUnlessSecure } from './support.ts'

describe('the console operator resets grimOS groups only', { skip: skipUnlessSecure }, () => {
  const inspector = new KafkaInspector(as('operator'))
  after(() => inspector.close())

  test('a grimos- group: its offsets are committed', async () => {
    const topic = await createTestTopic('console-acl', 1)
    const group = `${OPERATOR_RESET_GROUP_PREFIX}${uniqueName('acl')}`
    await inspector.alterGroupOffsets(group, topic, [{ partition: 0, offset: 0n }])
    const committed = (await inspector.committedOffsets([group])).get(group)
    assert.deepEqual(committed, [{ topic, partition: 0, offset: 0n }])
  })

  test('any other group: refused, naming the principal', async () => {
    const topic = await createTestTopic('console-acl-other', 1)
    const { error } = await refusedWithin(20_000, () =>
      inspector.alterGroupOffsets(uniqueName('not-grimos'), topic, [{ partition: 0, offset: 0n }]),
    )
    const grim = assertGrim(error, 'GRIM_KAFKA_NOT_AUTHORIZED')
    assert.equal((grim.details as { principal?: string }).principal, 'operator')
  })
})
