// Short form of the broker SIGKILL case (test/chaos/cases/broker-kill.ts); `npm run chaos` runs the full form and
// writes RELIABILITY.md. Phase 2 of npm test runs it alone: it kills this checkout's broker.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { brokerKill } from './cases/broker-kill.ts'
import { violations } from './cases/types.ts'

// TODO while issue 9 §2b is open: today the consumer ends in state `failed` once the broker has been gone longer
// than its client's retries (about 10 s; a SIGKILLed broker takes 13-20 s to answer again here) and never resumes,
// so every event published after the kill has no effect. The test runs and reports the counts; drop `todo` when
// the consumer resumes by itself.
test('broker SIGKILL + restart: every event handled once, in order per key, none dead-lettered', {
  todo: 'consumer does not resume after a broker outage (issue 9 §2b)',
}, async () => {
  assertOwnStack()
  const result = await brokerKill.run('short', (line) => process.stderr.write(`[broker-kill] ${line}\n`))
  assert.deepEqual(violations(result), {}, JSON.stringify(result, null, 2))
})
