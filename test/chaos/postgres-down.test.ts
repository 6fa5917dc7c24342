// Short form of the postgres-down case (test/chaos/cases/postgres-down.ts): PostgreSQL cut for 10 s behind a
// loopback proxy under both services. `npm run chaos -- postgres-down` runs the 60 s form.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { postgresDown } from './cases/postgres-down.ts'
import { violations } from './cases/types.ts'

test('PostgreSQL down: clear 503s, nothing acknowledged lost, 0 in the DLQ, both services resume', async () => {
  assertOwnStack()
  const r = await postgresDown.run('short', (line) => process.stderr.write(`[postgres-down] ${line}\n`))
  assert.deepEqual(violations(r), {}, JSON.stringify(r, null, 2))
  const m = r.measures ?? {}
  const info = JSON.stringify(r.notes)
  assert.ok(r.events > 0 && (m.cutAnswers ?? 0) > 0, `requests before and during the cut: ${info}`)
  assert.equal(m.hangs, 0, `no request hung past the bound: ${info}`)
  assert.equal(m.serverErrors, 0, `no 500: ${info}`)
  assert.equal(m.clear, m.cutAnswers, `every answer during the cut a 503 with a GRIM_* code: ${info}`)
  assert.equal(m.readyAgain, 1, info)
})
