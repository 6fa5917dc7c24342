import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeCursor, decodeInto, describe, encodeCursor, printable } from '../../src/dlq/records.ts'

const raw = {
  topic: 't.dlq',
  partition: 1,
  offset: 5n,
  timestamp: 1735689600000n,
  key: Buffer.from('user-1'),
  value: Buffer.from('v'),
  headers: new Map([['event_type', Buffer.from('user_login')]]),
  leaderEpoch: 0,
}

test('printable shows text as text and binary as hex', () => {
  assert.equal(printable(Buffer.from('hello ü')), 'hello ü')
  assert.equal(printable(Buffer.from([0, 0, 0, 7])), '0x00000007')
  assert.equal(printable(Buffer.from([0xff, 0xfe])), '0xfffe')
})

test('an invalid event falls back to the writer-schema view and still reports why decode() failed', async () => {
  const decoder = {
    decode: async () => {
      throw new Error('data.email must be a valid email [email]')
    },
    decodeUnknown: async () => ({ value: { event_type: 'user_registered', event_id: 'e-9' } }),
  }
  const record = await decodeInto(describe(raw, undefined), raw.value, decoder)
  assert.deepEqual(record.decoded, { event_type: 'user_registered', event_id: 'e-9' })
  assert.equal(record.eventType, 'user_registered')
  assert.match(record.decodeError ?? '', /data\.email/)

  const hopeless = await decodeInto(describe(raw, undefined), raw.value, {
    ...decoder,
    decodeUnknown: async () => {
      throw new Error('unknown schema id 99')
    },
  })
  assert.equal(hopeless.decoded, undefined)
  assert.equal(hopeless.eventType, 'user_login', 'the header is the fallback')
  assert.match(hopeless.decodeError ?? '', /\[email\].*unknown schema id 99/)
})

test('a cursor round-trips and a forged one is refused', () => {
  const next = new Map([
    [0, 12n],
    [2, 9007199254740993n],
  ])
  assert.deepEqual(decodeCursor(encodeCursor(next)), next)
  assert.throws(() => decodeCursor(Buffer.from('{"0":"-1"}').toString('base64url')), { code: 'GRIM_INPUT_INVALID' })
})
