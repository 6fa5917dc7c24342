// patches/@platformatic+kafka+2.12.1.patch writes each record of a batch into one buffer sized up front (a dead
// letter with a dozen headers cost ~9 µs in the client's piecewise Writer). The bytes must be exactly those of
// the client's own encoding, kept here as the reference, and read back by the client's reader. Only a timestamp
// delta beyond +-2^31 ms differs: the original wrote it wrong (32-bit zigzag), the patch writes the right varlong.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRecord as clientCreateRecord, type MessageRecord, Reader, readRecord, Writer } from '@platformatic/kafka'
import fc from 'fast-check'

interface Message {
  topic: string
  key: Buffer | undefined
  value: Buffer | undefined
  headers: Map<Buffer, Buffer> | undefined
  timestamp: bigint
}

/** The patched function; a missing value (a tombstone, as the DLQ writer may pass) is outside the client's type. */
const createRecord = (m: Message, offsetDelta: number, firstTimestamp: bigint) =>
  clientCreateRecord(m as unknown as MessageRecord, offsetDelta, firstTimestamp)

/** The client's createRecord before the patch (2.12.1), built from its public Writer. */
function reference(message: Message, offsetDelta: number, firstTimestamp: bigint): Buffer {
  return Writer.create()
    .appendInt8(0)
    .appendVarInt64(message.timestamp - firstTimestamp)
    .appendVarInt(offsetDelta)
    .appendVarIntBytes(message.key)
    .appendVarIntBytes(message.value)
    .appendVarIntMap(message.headers, (w, [key, value]) => {
      w.appendVarIntBytes(key).appendVarIntBytes(value)
    })
    .prependVarIntLength().buffer
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a))
const message = fc.record({
  topic: fc.constant('t'),
  key: fc.option(bytes(64), { nil: undefined }),
  // Past 64 bytes a length takes two varint bytes, past 8 KiB three.
  value: fc.option(fc.oneof(bytes(200), bytes(20_000)), { nil: undefined }),
  headers: fc.option(
    fc.array(fc.tuple(bytes(40), bytes(300)), { maxLength: 16 }).map((pairs) => new Map(pairs)),
    {
      nil: undefined,
    },
  ),
  timestamp: fc.bigInt({ min: 1_700_000_000_000n, max: 1_700_000_100_000n }),
})
const first = fc.bigInt({ min: 1_700_000_000_000n, max: 1_700_000_100_000n })

test('a record is encoded byte for byte as the client did, and reads back', () => {
  fc.assert(
    fc.property(message, fc.integer({ min: 0, max: 200_000 }), first, (m, offsetDelta, firstTimestamp) => {
      const encoded = createRecord(m, offsetDelta, firstTimestamp).buffer
      assert.deepEqual(encoded, reference(m, offsetDelta, firstTimestamp))
      const read = readRecord(Reader.from(encoded))
      assert.equal(read.offsetDelta, offsetDelta)
      assert.equal(read.timestampDelta, m.timestamp - firstTimestamp)
      assert.deepEqual(read.value, m.value ?? read.value)
      assert.deepEqual(
        read.headers.map(([name, value]) => [Buffer.from(name ?? ''), Buffer.from(value ?? '')]),
        [...(m.headers ?? [])],
      )
    }),
    { numRuns: 2_000 },
  )
})

test('a timestamp delta past 2^31 ms (a retried record of a month ago) reads back exactly', () => {
  for (const delta of [2n ** 31n, -(2n ** 31n) - 1n, 40n * 86_400_000n, -(40n * 86_400_000n), 2n ** 40n]) {
    const firstTimestamp = 1_700_000_000_000n
    const m: Message = {
      topic: 't',
      key: undefined,
      value: Buffer.from('v'),
      headers: undefined,
      timestamp: firstTimestamp + delta,
    }
    const read = readRecord(Reader.from(createRecord(m, 0, firstTimestamp).buffer))
    assert.equal(read.timestampDelta, delta)
  }
})
