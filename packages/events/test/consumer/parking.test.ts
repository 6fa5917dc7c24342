import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KeyParking } from '../../src/consumer/parking.ts'

test('a key is parked from the first send until its last retry record is finished', () => {
  const parking = new KeyParking()
  assert.equal(parking.isParked('x'), false)
  parking.sending('x', 't1', { barrier: false })
  assert.equal(parking.isParked('x'), true)
  assert.equal(parking.arrived('x', 't1'), 'process')
  assert.equal(parking.isParked('x'), true, 'read back, not finished')
  assert.equal(parking.parkedKeys, 1)
  parking.finished('x')
  assert.equal(parking.isParked('x'), false)
  assert.equal(parking.parkedKeys, 0)
})

test('a record read back from before a restart parks its key too', () => {
  const parking = new KeyParking()
  assert.equal(parking.arrived('y', 'someone-else:7'), 'process')
  assert.equal(parking.isParked('y'), true)
  assert.equal(parking.isParked('x'), false, 'other keys are free')
})

test('while a barrier is out, the key records read back are forwarded until the barrier itself returns', () => {
  const parking = new KeyParking()
  parking.sending('x', 'b', { barrier: true })
  assert.equal(parking.hasBarrier('x'), true)
  assert.equal(parking.arrived('x', 'older'), 'forward')
  assert.equal(parking.arrived('x', undefined), 'forward')
  assert.equal(parking.arrived('z', 'other-key'), 'process', 'barriers are per key')
  assert.equal(parking.arrived('x', 'b'), 'process')
  assert.equal(parking.hasBarrier('x'), false)
  assert.equal(parking.arrived('x', 'later'), 'process')
})
