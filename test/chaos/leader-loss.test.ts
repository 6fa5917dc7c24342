// Short form of the leader-loss case (test/support/leader-loss.ts): with `npm run stack -- up --nodes 3`, the
// partition leader's node gets SIGKILL mid-stream. Phase 2 of npm test runs it alone; on a one-node stack it is
// skipped, saying how to get a cluster.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clusterProblem, leaderLoss } from '../support/leader-loss.ts'

test('leader loss in a 3-node cluster: every acknowledged record kept, failures typed, the producer carries on', {
  skip: clusterProblem() ?? false,
  timeout: leaderLoss.timeoutMs.short,
}, async () => {
  const result = await leaderLoss.run('short', (line) => process.stderr.write(`[leader-loss] ${line}\n`))
  process.stderr.write(`[leader-loss] ${JSON.stringify(result, null, 2)}\n`)
  const counts = (({ lost, misplaced, outOfOrder, untypedErrors }) => ({ lost, misplaced, outOfOrder, untypedErrors }))(
    result,
  )
  assert.deepEqual(counts, { lost: 0, misplaced: 0, outOfOrder: 0, untypedErrors: 0 })
  assert.notEqual(result.newLeader, result.oldLeader, 'leadership moved')
  assert.ok(result.acksAfterKill > 0, 'acknowledgments after the kill')
  assert.ok(result.acksAfterRestart > 0, 'acknowledgments after the restart')
  assert.ok(result.events > 0.8 * result.attempted, `most records acknowledged: ${result.events}/${result.attempted}`)
})
