import assert from 'node:assert/strict'
import { test } from 'node:test'
import { avroTypeFor, compileAvroType, createUserEvent, USER_EVENT_TYPES } from '../../src/catalog/index.ts'
import { BoundsViolation, boundsCheckFor, type DecodeLimits } from '../../src/serde/bounds.ts'
import { validInputs } from '../catalog/fixtures.ts'

const limits: DecodeLimits = { maxRecordBytes: 1_048_588, maxItems: 100_000, maxDepth: 32 }

/** Zig-zag varint bytes of `value` (exact up to 2^53), as Avro writes longs. */
function varint(value: bigint): number[] {
  let zigzag = value >= 0n ? value * 2n : -value * 2n - 1n
  const out: number[] = []
  do {
    let byte = Number(zigzag & 0x7fn)
    zigzag >>= 7n
    if (zigzag > 0n) byte |= 0x80
    out.push(byte)
  } while (zigzag > 0n)
  return out
}

function check(schema: object, bytes: number[], custom: Partial<DecodeLimits> = {}): void {
  boundsCheckFor(compileAvroType(schema))(Buffer.from(bytes), { ...limits, ...custom })
}

const violation = (pattern: RegExp) => (error: unknown) =>
  error instanceof BoundsViolation && pattern.test(error.message)

test('every catalog event passes the check and decodes as written', () => {
  for (const eventType of USER_EVENT_TYPES) {
    const type = avroTypeFor(eventType)
    const event = createUserEvent(validInputs[eventType])
    const bytes = type.toBuffer(event)
    boundsCheckFor(type)(bytes, limits)
    assert.deepEqual(type.fromBuffer(bytes), event)
  }
})

test('a roles array claiming 2^31 items fails at once, before avsc allocates anything', () => {
  const type = avroTypeFor('user_registered')
  const event = createUserEvent(validInputs.user_registered)
  const bytes = type.toBuffer({ ...event, data: { ...event.data, roles: [] } })
  // Empty roles: the array is one zero byte, right after is_superuser; find it by encoding a marker role.
  const marked = type.toBuffer({ ...event, data: { ...event.data, roles: ['\u0001'] } })
  const at = bytes.findIndex((byte, i) => byte !== marked[i])
  const bomb = Buffer.concat([bytes.subarray(0, at), Buffer.from(varint(2n ** 31n)), bytes.subarray(at)])
  const started = performance.now()
  assert.throws(() => boundsCheckFor(type)(bomb, limits), violation(/array of 2147483648 items exceeds the limit/))
  assert.ok(performance.now() - started < 50)
})

test('array and map counts are bounded by the bytes left and by the item budget of the record', () => {
  const strings = { type: 'array', items: 'string' }
  assert.throws(() => check(strings, [...varint(5n), 0, 0, 0]), violation(/claims 5 items, 3 bytes left/))
  check(strings, [...varint(3n), 0, 0, 0, 0])
  // Items of zero bytes are bounded by the budget alone.
  const nulls = { type: 'array', items: 'null' }
  check(nulls, [...varint(1_000n), 0])
  assert.throws(() => check(nulls, [...varint(2n ** 31n), 0]), violation(/exceeds the limit of 100000 items/))
  // The budget is per record, so nested or repeated blocks cannot multiply it.
  const nested = { type: 'array', items: nulls }
  assert.throws(
    () => check(nested, [...varint(2n), ...varint(60n), 0, ...varint(60n), 0, 0], { maxItems: 100 }),
    violation(/exceeds the limit of 100 items/),
  )
  const map = { type: 'map', values: 'null' }
  assert.throws(() => check(map, [...varint(4n), 0, 0]), violation(/map claims 4 items, 2 bytes left/))
  check(map, [...varint(2n), 0, 0, 0])
})

test('negative block counts carry a size, which must fit too', () => {
  const longs = { type: 'array', items: 'long' }
  check(longs, [...varint(-2n), ...varint(2n), 2, 4, 0])
  assert.throws(() => check(longs, [...varint(-2n), ...varint(900n), 2, 4, 0]), violation(/array block needs 900/))
  assert.throws(() => check(longs, [...varint(-2n), ...varint(-1n), 2, 4, 0]), violation(/negative array block size/))
})

test('string and bytes lengths must be non-negative and fit in what is left', () => {
  assert.throws(() => check({ type: 'string' }, [...varint(10n), 65]), violation(/string needs 10 bytes, 1 left/))
  assert.throws(() => check({ type: 'bytes' }, [...varint(-1n)]), violation(/negative bytes length -1/))
  assert.throws(() => check({ type: 'string' }, [...varint(2n ** 63n - 1n)]), violation(/string needs/))
  check({ type: 'string' }, [...varint(1n), 65])
  assert.throws(() => check({ type: 'fixed', name: 'F', size: 16 }, [1, 2]), violation(/fixed needs 16 bytes/))
})

test('union and enum indexes must name a branch or a symbol', () => {
  const union = ['null', 'string']
  check(union, [...varint(0n)])
  assert.throws(() => check(union, [...varint(2n)]), violation(/union index 2 outside 0..1/))
  assert.throws(() => check(union, [...varint(-1n)]), violation(/union index -1/))
  const colour = { type: 'enum', name: 'Colour', symbols: ['RED', 'GREEN'] }
  assert.throws(() => check(colour, [...varint(7n)]), violation(/enum index 7 outside 0..1/))
})

test('varints longer than 10 bytes (5 for an int) and truncated ones fail', () => {
  assert.throws(() => check({ type: 'long' }, [...Array(10).fill(0xff), 1]), violation(/longer than 10 bytes/))
  assert.throws(() => check({ type: 'int' }, [0x80, 0x80, 0x80, 0x80, 0x80, 1]), violation(/longer than 5 bytes/))
  assert.throws(() => check({ type: 'long' }, [0x80]), violation(/truncated varint/))
  check({ type: 'long' }, varint(-(2n ** 53n)))
})

test('booleans are 0 or 1; trailing bytes are refused', () => {
  assert.throws(() => check({ type: 'boolean' }, [2]), violation(/boolean byte 2/))
  assert.throws(() => check({ type: 'boolean' }, [1, 0]), violation(/1 bytes of trailing data/))
})

test('nesting is bounded, also through a recursive schema', () => {
  const list = {
    type: 'record',
    name: 'Node',
    fields: [{ name: 'next', type: ['null', 'Node'] }],
  }
  check(list, [2, 2, 0])
  const deep = [...Array(40).fill(2), 0]
  assert.throws(() => check(list, deep), violation(/nesting deeper than 32/))
  check(list, deep, { maxDepth: 64 })
})
