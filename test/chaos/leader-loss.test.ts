// Short form of the leader-loss case (test/chaos/cases/leader-loss.ts): a 3-node cluster of its own, the partition
// leader's node SIGKILLed mid-stream. Phase 2 of npm test runs it alone.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { leaderLoss, runLeaderLoss } from './cases/leader-loss.ts'

test('leader loss in a 3-node cluster: every acknowledged record kept, failures typed, the producer carries on', {
  timeout: leaderLoss.timeoutMs.short,
}, async () => {
  const result = await runLeaderLoss('short', (line) => process.stderr.write(`[leader-loss] ${line}\n`))
  process.stderr.write(`[leader-loss] ${JSON.stringify(result)}\n`)
  const counts = (({ lost, misplaced, outOfOrder, untypedErrors }) => ({ lost, misplaced, outOfOrder, untypedErrors }))(
    result,
  )
  assert.deepEqual(counts, { lost: 0, misplaced: 0, outOfOrder: 0, untypedErrors: 0 })
  assert.notEqual(result.newLeader, result.oldLeader, 'leadership moved')
  assert.ok(result.acksAfterKill > 0, 'acknowledgments after the kill')
  assert.ok(result.acksAfterRestart > 0, 'acknowledgments after the restart')
  assert.ok(result.events > 0.8 * result.attempted, `most records acknowledged: ${result.events}/${result.attempted}`)
})
