import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HeaderBufferCache, PackedBatchBuilder, unpackBatch } from '../../src/producer/packed-batch.ts'

// avsc's convention: the end offset, or minus the bytes missing past the end of the target.
const write = (bytes: Buffer) => (target: Buffer, offset: number) =>
  target.length - offset < bytes.length ? target.length - offset - bytes.length : offset + bytes.copy(target, offset)

test('records come back out of a packed batch as they went in: keys, values and headers', () => {
  const builder = new PackedBatchBuilder('grimos.test', 8)
  const input: { key: string; value: Buffer; headers: Record<string, string> }[] = [
    { key: 'user-1', value: Buffer.from('first value'), headers: { event_type: 'user_login', event_id: 'a' } },
    { key: 'usér-ü', value: Buffer.alloc(300, 7), headers: { event_type: 'user_login', event_id: 'b' } },
    { key: 'user-3', value: Buffer.alloc(0), headers: {} },
  ]
  for (const record of input) builder.add(record.key, record.headers, write(record.value))
  assert.equal(builder.size, 3)
  const records = unpackBatch(builder.build(), new HeaderBufferCache())
  assert.deepEqual(
    records.map((r) => ({
      topic: r.topic,
      key: (r.key as Buffer).toString(),
      value: r.value,
      headers: Object.fromEntries(
        [...(r.headers as Map<Buffer, Buffer>)].map(([k, v]) => [k.toString(), v.toString()]),
      ),
    })),
    input.map((r) => ({ topic: 'grimos.test', ...r })),
  )
})

test('a value far larger than the space left grows the buffer enough in one go', () => {
  const builder = new PackedBatchBuilder('t', 64)
  builder.add('a-key-of-some-length', {}, write(Buffer.alloc(40, 1)))
  builder.add('k', {}, write(Buffer.alloc(5000, 2)))
  const [first, second] = unpackBatch(builder.build(), new HeaderBufferCache())
  assert.deepEqual(first?.value, Buffer.alloc(40, 1))
  assert.deepEqual(second?.value, Buffer.alloc(5000, 2))
})

test('the built batch owns its bytes: later adds to the builder do not change it', () => {
  const builder = new PackedBatchBuilder('t')
  builder.add('k', {}, write(Buffer.from('one')))
  const batch = builder.build()
  const copy = Buffer.from(batch.values)
  builder.add('k', {}, write(Buffer.from('two')))
  assert.deepEqual(Buffer.from(batch.values), copy)
})

test('a record with hundreds of headers keeps every one', () => {
  const builder = new PackedBatchBuilder('t')
  const headers = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`h${i}`, `v${i}`]))
  builder.add('k', headers, write(Buffer.from('v')))
  const [record] = unpackBatch(builder.build(), new HeaderBufferCache())
  assert.ok(record)
  assert.equal((record.headers as Map<Buffer, Buffer>).size, 300)
})

test('a repeated header value reuses its bytes; a new value gets new ones', () => {
  const cache = new HeaderBufferCache()
  const first = cache.bytesOf('event_type', 'user_login')
  assert.equal(cache.bytesOf('event_type', 'user_login'), first)
  assert.equal(cache.bytesOf('event_type', 'user_logout').toString(), 'user_logout')
})
