// Short form of the broker SIGKILL case (test/chaos/cases/broker-kill.ts); `npm run chaos` runs the full form and
// writes RELIABILITY.md. Phase 2 of npm test runs it alone: it kills this checkout's broker.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { brokerKill } from './cases/broker-kill.ts'
import { violations } from './cases/types.ts'

// The consumer outlives the outage: its client gives up about 10 s in (a SIGKILLed broker takes 13-20 s to answer
// again here), and the runner joins the group again once the broker answers (consumer/reconnect.ts).
test('broker SIGKILL + restart: every event handled once, in order per key, none dead-lettered', async () => {
  assertOwnStack()
  const result = await brokerKill.run('short', (line) => process.stderr.write(`[broker-kill] ${line}\n`))
  assert.deepEqual(violations(result), {}, JSON.stringify(result, null, 2))
})
