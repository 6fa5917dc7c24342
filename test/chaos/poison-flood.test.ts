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

// The goal (≥ 0.7× clean) is judged on the full form (`npm run chaos -- poison-flood`, RELIABILITY.md), fastest of
// alternating rounds each. On 2026-12-01 it gave 0.79 and 0.79 with three rounds, 0.54 once at a 1-minute load of
// 9.7, then 0.91 with five rounds at load 10 (rounds 0.57-1.30); the CPU time the process spends is steadier, 0.70-0.74
// of the clean run's. The short form's rounds last 0.2-0.4 s, too short on this shared 2-core machine: four runs in a
// row gave 0.75, 0.66, 1.13 and 0.53. So this asserts a floor
// that only a collapse crosses, like the 0.2× issue 9 measured when each dead letter held its key for its own
// broker round trip; a slide between 0.4 and 0.7 shows in the full form's RELIABILITY.md row instead.
test('poison flood: good-event throughput does not collapse under poison (short form floor 0.4; goal 0.7 on the full form)', async () => {
  const r = await once()
  assert.ok((r.measures?.ratio ?? 0) >= 0.4, `ratio ${r.measures?.ratio?.toFixed(2)}: ${r.notes[0]}`)
})
