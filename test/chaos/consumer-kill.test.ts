// Short form of the event-consumer SIGKILL case (test/chaos/cases/consumer-kill.ts); `npm run chaos` runs the full
// form and writes RELIABILITY.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { consumerKill } from './cases/consumer-kill.ts'
import { violations } from './cases/types.ts'

test('event-consumer SIGKILL during HTTP traffic: every registration and login applied once, in order', async () => {
  assertOwnStack()
  const result = await consumerKill.run('short', (line) => process.stderr.write(`[consumer-kill] ${line}\n`))
  assert.deepEqual(violations(result), {}, JSON.stringify(result, null, 2))
  // The fault really happened mid-traffic, and every request was acknowledged (3 logins per registration).
  assert.match(result.injected, /^SIGKILL of the event-consumer process after \d+ of \d+ requests/)
  assert.equal(result.events, consumerKill.events.short * 4, JSON.stringify(result.notes))
})
