// Short form of the rebalance case (test/chaos/cases/rebalance.ts); `npm run chaos` runs the full form and writes
// RELIABILITY.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { rebalance } from './cases/rebalance.ts'
import { violations } from './cases/types.ts'

test('group 1 → 3 → 1 members while handlers run: every event once, in order per key, none dead-lettered', async () => {
  assertOwnStack()
  const result = await rebalance.run('short', (line) => process.stderr.write(`[rebalance] ${line}\n`))
  assert.deepEqual(violations(result), {}, JSON.stringify(result, null, 2))
  // Three members really shared the work: otherwise this proved nothing about rebalancing.
  assert.match(result.notes.join('\n'), /A [\d,]+, B [\d,]+, C [\d,]+/, result.notes.join('\n'))
})
