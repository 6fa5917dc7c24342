import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validate, version } from 'uuid'
import { newEventId } from '../../src/catalog/event-id.ts'

test('event ids are valid, unique UUIDv7s that sort in the order they were made', () => {
  const ids = Array.from({ length: 20_000 }, () => newEventId())
  for (const id of ids.slice(0, 100)) {
    assert.ok(validate(id), id)
    assert.equal(version(id), 7)
  }
  assert.equal(new Set(ids).size, ids.length)
  assert.deepEqual([...ids].sort(), ids)
})

test('ids stay monotonic when the clock stands still or goes back', () => {
  const now = Date.now() + 60_000
  const ids = [newEventId(now), newEventId(now), newEventId(now - 5_000), newEventId(now)]
  assert.deepEqual([...ids].sort(), ids)
  assert.equal(new Set(ids).size, ids.length)
})

test('the first 48 bits carry the millisecond the id was made in', () => {
  const now = Date.now() + 120_000
  const id = newEventId(now)
  assert.equal(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16), now)
})
