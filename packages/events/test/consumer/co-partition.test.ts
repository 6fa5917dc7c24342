import assert from 'node:assert/strict'
import { test } from 'node:test'
import { coPartitionedAssigner } from '../../src/kafka/co-partition.ts'

test('partition N of every topic goes to the same member, whatever the member count', () => {
  for (const memberCount of [1, 2, 3, 4, 5]) {
    const members = new Map(
      Array.from({ length: memberCount }, (_, i) => [
        `m${i}`,
        { memberId: `m${i}`, topics: ['t', 't.retry'], version: 1 },
      ]),
    )
    const metadata = {
      topics: new Map([
        ['t', { partitionsCount: 6 }],
        ['t.retry', { partitionsCount: 6 }],
      ]),
    }
    const result = coPartitionedAssigner('m0', members, new Set(['t.retry', 't']), metadata as never)
    const owner = new Map<string, string>()
    for (const { memberId, assignments } of result)
      for (const { topic, partitions } of assignments.values())
        for (const partition of partitions) owner.set(`${topic}/${partition}`, memberId)
    for (let p = 0; p < 6; p++) {
      assert.ok(owner.get(`t/${p}`), `t/${p} is assigned`)
      assert.equal(owner.get(`t/${p}`), owner.get(`t.retry/${p}`), `${memberCount} members: t/${p} and t.retry/${p}`)
    }
  }
})
