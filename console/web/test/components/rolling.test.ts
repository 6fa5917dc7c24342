// The live charts' rolling window: series that come and go, and the bound on kept samples.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { appendSample, type RollingSeries } from '../../src/components/rolling.ts'

const empty: RollingSeries = { names: [], data: [[]] }

test('a series that appears later starts with nulls; one that is missing gets null', () => {
  let state = appendSample(empty, 1, { 'in /s': 5 }, 10)
  state = appendSample(state, 2, { 'in /s': 6, 'out /s': 4 }, 10)
  state = appendSample(state, 3, { 'out /s': 3 }, 10)
  assert.deepEqual(state.names, ['in /s', 'out /s'])
  assert.deepEqual(state.data, [
    [1, 2, 3],
    [5, 6, null],
    [null, 4, 3],
  ])
})

test('at most maxPoints samples stay, the oldest dropped', () => {
  let state = empty
  for (let t = 0; t < 25; t++) state = appendSample(state, t, { lag: t * 2 }, 10)
  assert.deepEqual(state.data[0], [15, 16, 17, 18, 19, 20, 21, 22, 23, 24])
  assert.deepEqual(state.data[1], [30, 32, 34, 36, 38, 40, 42, 44, 46, 48])
})

test('series are kept in name order whatever order the samples list them in', () => {
  const state = appendSample(empty, 1, { 'topic/2': 2, 'topic/0': 0, 'topic/1': 1 }, 5)
  assert.deepEqual(state.names, ['topic/0', 'topic/1', 'topic/2'])
  assert.deepEqual(state.data.slice(1), [[0], [1], [2]])
})
