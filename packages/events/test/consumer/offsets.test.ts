import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { PartitionOffsetTracker } from '../../src/consumer/offsets.ts'

test('the commit position waits for the lowest unfinished offset', () => {
  const tracker = new PartitionOffsetTracker()
  assert.equal(tracker.position, undefined)
  for (const offset of [10n, 11n, 12n, 15n]) assert.equal(tracker.track(offset), true)
  assert.equal(tracker.position, 10n, 'nothing finished: the first offset seen is safe to commit')
  tracker.finish(11n)
  tracker.finish(12n)
  assert.equal(tracker.position, 10n)
  tracker.finish(10n)
  assert.equal(tracker.position, 15n)
  tracker.finish(15n)
  assert.equal(tracker.position, 16n)
  assert.equal(tracker.pending, 0)
})

test('stale duplicates are refused and commits are reported once', () => {
  const tracker = new PartitionOffsetTracker()
  tracker.track(5n)
  assert.equal(tracker.track(5n), false)
  assert.equal(tracker.track(3n), false)
  assert.equal(tracker.uncommitted, 5n)
  tracker.markCommitted(5n)
  assert.equal(tracker.uncommitted, undefined)
  tracker.finish(5n)
  assert.equal(tracker.uncommitted, 6n)
})

test('any finishing order gives the contiguous watermark', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 60 }),
      fc.integer(),
      (raw, seed) => {
        const offsets = [...raw].sort((a, b) => a - b).map(BigInt)
        const tracker = new PartitionOffsetTracker()
        for (const offset of offsets) tracker.track(offset)
        const order = [...offsets].sort((a, b) => ((Number(a) * 7919 + seed) % 101) - ((Number(b) * 7919 + seed) % 101))
        const done = new Set<bigint>()
        for (const offset of order) {
          tracker.finish(offset)
          done.add(offset)
          const firstOpen = offsets.find((o) => !done.has(o))
          const expected = firstOpen ?? (offsets.at(-1) as bigint) + 1n
          assert.equal(tracker.position, expected)
        }
      },
    ),
  )
})

test('pending counts unfinished records; span counts every offset held behind the commit position', () => {
  const tracker = new PartitionOffsetTracker()
  for (let offset = 0n; offset < 100n; offset++) tracker.track(offset)
  for (let offset = 1n; offset < 100n; offset++) tracker.finish(offset)
  assert.equal(tracker.pending, 1, 'one record (offset 0) is unfinished')
  assert.equal(tracker.span, 100, 'but all 100 offsets are held until it finishes')
  assert.equal(tracker.position, 0n)
  tracker.finish(0n)
  assert.equal(tracker.pending, 0)
  assert.equal(tracker.span, 0)
  assert.equal(tracker.position, 100n)
})

test('long runs with gaps and late finishes: the watermark and pending hold across compaction', () => {
  const tracker = new PartitionOffsetTracker()
  // Every third offset missing (a compacted topic, transaction markers); every 11th record finishes 300 later.
  const offsets: bigint[] = []
  for (let i = 0n; offsets.length < 5_000; i++) if (i % 3n !== 2n) offsets.push(i)
  for (const offset of offsets) tracker.track(offset)
  const late: bigint[] = []
  let finished = 0
  for (const [i, offset] of offsets.entries()) {
    if (i % 11 === 10) late.push(offset)
    else {
      tracker.finish(offset)
      finished++
    }
    if (late.length > 300) {
      tracker.finish(late.shift() as bigint)
      finished++
    }
    assert.equal(tracker.pending, offsets.length - finished)
    assert.equal(
      tracker.position,
      late[0] ?? (i + 1 < offsets.length ? offsets[i + 1] : (offsets.at(-1) as bigint) + 1n),
    )
  }
  for (const offset of late) tracker.finish(offset)
  assert.equal(tracker.pending, 0)
  assert.equal(tracker.position, (offsets.at(-1) as bigint) + 1n)
})
