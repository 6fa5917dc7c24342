import assert from 'node:assert/strict'
import { test } from 'node:test'
import { murmur2 as clientMurmur2, compatibilityPartitioner } from '@platformatic/kafka'
import fc from 'fast-check'
import { murmur2, partitionHash } from '../../src/producer/partition.ts'

test('murmur2 matches the Kafka client library on any key, for every length modulo 4', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const key = Buffer.from(bytes)
      assert.equal(murmur2(key), Number(BigInt.asIntN(32, BigInt(clientMurmur2(key)))))
      assert.equal(partitionHash(key), compatibilityPartitioner(undefined as never, key))
    }),
    { numRuns: 2_000 },
  )
})

test('known values of the Java client: murmur2 of "21" and of an empty key', () => {
  // From Kafka's UtilsTest#testMurmur2.
  assert.equal(murmur2(Buffer.from('21')), -973932308)
  assert.equal(murmur2(Buffer.from('foobar')), -790332482)
  assert.equal(murmur2(Buffer.alloc(0)), 275646681)
})

test('a slice of a larger buffer hashes like the same bytes on their own', () => {
  const arena = Buffer.from('xx01890000-0000-7000-8000-000000000042yy')
  assert.equal(murmur2(arena, 2, arena.length - 2), murmur2(arena.subarray(2, arena.length - 2)))
})
