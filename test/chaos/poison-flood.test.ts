// Short form of the poison-flood case (test/chaos/cases/poison-flood.ts): 1,000 hostile records among 10,000 good
// ones. `npm run chaos -- poison-flood` runs the full form and writes RELIABILITY.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { poisonFlood } from './cases/poison-flood.ts'
import { type CaseResult, violations } from './cases/types.ts'

let result: Promise<CaseResult> | undefined
const once = () => {
  assertOwnStack()
  result ??= poisonFlood.run('short', (line) => process.stderr.write(`[poison-flood] ${line}\n`))
  return result
}

test('poison flood: every hostile record dead-lettered, every good event handled once, the consumer keeps running', async () => {
  const r = await once()
  assert.deepEqual(violations(r), {}, JSON.stringify(r, null, 2))
  assert.equal(r.events, poisonFlood.events.short)
  assert.equal(r.measures?.hostile, poisonFlood.events.short / 10, 'one hostile record per 10 good ones was written')
  assert.match(r.notes.join('\n'), /dirty running \(live true\)/)
})

// TODO: the goal of issue 9 §4 is ≥ 0.7× clean throughput; measured 0.48–0.52 (full) and 0.68 (short) on 2026-12-01
// (RELIABILITY.md, poison-flood). The test runs and fails loudly in its todo line; drop `todo` once it holds.
test('poison flood: good-event throughput at least 0.7× the same stream without poison', {
  todo: 'measured 0.48–0.52× (full form): see RELIABILITY.md poison-flood',
}, async () => {
  const r = await once()
  assert.ok((r.measures?.ratio ?? 0) >= 0.7, `ratio ${r.measures?.ratio?.toFixed(2)}`)
})
