import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluateHealth, type HealthInputs } from '../../src/consumer/health.ts'

const base: HealthInputs = {
  state: 'running',
  joined: true,
  assignedPartitions: 0,
  bufferedRecords: 0,
  inFlightHandlers: 0,
  parkedKeys: 0,
  lastProgressAt: undefined,
  runningSince: 1_000,
  lastError: undefined,
  stallTimeoutMs: 60_000,
  now: 2_000,
}

test('an idle member with no partitions is live and ready', () => {
  assert.deepEqual([evaluateHealth(base).live, evaluateHealth(base).ready], [true, true])
})

test('not ready before joining or while stopping; not live once stopped', () => {
  assert.equal(evaluateHealth({ ...base, joined: false }).ready, false)
  const stopping = evaluateHealth({ ...base, state: 'stopping' })
  assert.deepEqual([stopping.live, stopping.ready], [false, false])
})

test('handlers running with no progress for the stall timeout make it not live', () => {
  const stalled = { ...base, inFlightHandlers: 2, lastProgressAt: 5_000, now: 70_000 }
  assert.equal(evaluateHealth(stalled).live, false)
  assert.equal(evaluateHealth({ ...stalled, now: 60_000 }).live, true)
  assert.equal(evaluateHealth({ ...stalled, inFlightHandlers: 0 }).live, true, 'waiting retries are not a stall')
})
