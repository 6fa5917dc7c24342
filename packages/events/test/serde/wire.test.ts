import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GrimError } from '../../src/errors.ts'
import { frame, unframe } from '../../src/serde/wire.ts'

const decodeFailed = (pattern: RegExp) => (error: unknown) =>
  error instanceof GrimError && error.code === 'GRIM_DECODE_FAILED' && pattern.test(error.message)

test('frame writes magic byte 0 and the big-endian schema id before the payload; unframe reverses it', () => {
  const framed = frame(0x01020304, Buffer.from([9, 8, 7]))
  assert.deepEqual([...framed], [0, 1, 2, 3, 4, 9, 8, 7])
  const { schemaId, payload } = unframe(framed)
  assert.equal(schemaId, 0x01020304)
  assert.deepEqual([...payload], [9, 8, 7])
  assert.equal(unframe(new Uint8Array(framed)).schemaId, 0x01020304, 'plain Uint8Array works too')
})

test('unframe refuses empty, unframed and truncated input with GRIM_DECODE_FAILED', () => {
  assert.throws(() => unframe(Buffer.alloc(0)), decodeFailed(/empty/))
  assert.throws(() => unframe(undefined), decodeFailed(/empty/))
  assert.throws(() => unframe(Buffer.from('{"json":true}')), decodeFailed(/magic byte is 123/))
  assert.throws(() => unframe(Buffer.from([0, 0, 0])), decodeFailed(/only 3 bytes/))
  assert.throws(() => unframe(Buffer.from([0, 0, 0, 0, 1])), decodeFailed(/5-byte header/))
})
