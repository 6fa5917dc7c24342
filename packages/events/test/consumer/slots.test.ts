import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Slots } from '../../src/consumer/slots.ts'

test('free slots are taken synchronously; waits are granted in order as slots are released', () => {
  const slots = new Slots(2)
  assert.equal(slots.tryAcquire(), true)
  assert.equal(slots.tryAcquire(), true)
  assert.equal(slots.tryAcquire(), false)
  const granted: string[] = []
  const owner = {}
  slots.wait(owner, (ok) => granted.push(`a:${ok}`))
  slots.wait(owner, (ok) => granted.push(`b:${ok}`))
  assert.equal(slots.tryAcquire(), false, 'a free slot goes to the waiters first')
  slots.release()
  assert.deepEqual(granted, ['a:true'])
  assert.equal(slots.inUse, 2)
})

test('cancelling an owner ends its waits with false and leaves the others queued', () => {
  const slots = new Slots(1)
  assert.equal(slots.tryAcquire(), true)
  const revoked = {}
  const kept = {}
  const granted: string[] = []
  slots.wait(revoked, (ok) => granted.push(`revoked:${ok}`))
  slots.wait(kept, (ok) => granted.push(`kept:${ok}`))
  slots.cancel(revoked)
  assert.deepEqual(granted, ['revoked:false'])
  slots.release()
  assert.deepEqual(granted, ['revoked:false', 'kept:true'])
})

test('a grant that releases at once hands the slot on without recursing', () => {
  const slots = new Slots(1)
  assert.equal(slots.tryAcquire(), true)
  let granted = 0
  for (let i = 0; i < 50_000; i++)
    slots.wait(slots, () => {
      granted++
      slots.release()
    })
  slots.release()
  assert.equal(granted, 50_000)
  assert.equal(slots.inUse, 0)
})
