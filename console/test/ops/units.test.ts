// The ops layer's pure parts: cursors, UUIDv7 times, the schema line diff, the DLQ topic names, the login limiter.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { LoginLimiter } from '../../src/auth/rate-limit.ts'
import { decodeCursor, encodeCursor, isDlqTopic, lineDiff, sourceTopicOf, uuidv7Time } from '../../src/ops/index.ts'

test('a cursor round-trips, and anything else is refused rather than read as "from the start"', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.nat({ max: 10_000 }).map(String), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
      (entries) => {
        const positions = new Map(Object.entries(entries).map(([p, o]) => [Number(p), o]))
        assert.deepEqual(decodeCursor(encodeCursor(positions)), positions)
      },
    ),
  )
  for (const bad of [
    '',
    'not base64!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('{"0":"-1"}').toString('base64url'),
    Buffer.from('{"x":"1"}').toString('base64url'),
    Buffer.from('{"0":5}').toString('base64url'),
  ])
    assert.equal(decodeCursor(bad), undefined, bad)
})

test('a UUIDv7 gives its creation time; other ids give none', () => {
  assert.equal(
    uuidv7Time('01a2303d-ee3f-7002-8940-08c61954c0a3')?.toISOString(),
    new Date(0x01a2303dee3f).toISOString(),
  )
  assert.equal(uuidv7Time('3f2504e0-4f89-41d3-9a0c-0305e82c3301'), undefined)
  assert.equal(uuidv7Time('event-1'), undefined)
})

test('the line diff keeps common lines and marks the rest', () => {
  assert.deepEqual(lineDiff(['a', 'b', 'c'], ['a', 'c', 'd']), ['  a', '- b', '  c', '+ d'])
  assert.deepEqual(lineDiff([], ['x']), ['+ x'])
})

test('DLQ topics: ours, Spring and Connect names; ours replay to their source', () => {
  for (const topic of [
    'grimos.user-events.dlq',
    'orders-dlt',
    'orders.DLT',
    'connect.errors.dlq',
    'dead-letter-payments',
  ])
    assert.ok(isDlqTopic(topic), topic)
  for (const topic of ['grimos.user-events', 'grimos.user-events.retry', 'orders']) assert.ok(!isDlqTopic(topic), topic)
  assert.equal(sourceTopicOf('grimos.user-events.dlq'), 'grimos.user-events')
  assert.equal(sourceTopicOf('orders-dlt'), undefined)
})

test('the login limiter counts failures per address and per username, then refuses even the right password', () => {
  const limiter = new LoginLimiter({ windowMs: 60_000, perAddress: 5, perUsername: 3 })
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.blocked('1.2.3.4', 'alice'), 0)
    limiter.failed('1.2.3.4', 'alice')
  }
  assert.ok(limiter.blocked('1.2.3.4', 'alice') > 0)
  assert.ok(limiter.blocked('5.6.7.8', 'alice') > 0, 'per username, from any address')
  assert.equal(limiter.blocked('1.2.3.4', 'bob'), 0, 'the address has budget left')
  limiter.failed('1.2.3.4', 'bob')
  limiter.failed('1.2.3.4', 'carol')
  assert.ok(limiter.blocked('1.2.3.4', 'dave') > 0, 'per address, for any name')
})
