// Short form of the disk-full case (test/chaos/cases/disk-full.ts); needs root (it mounts a tmpfs).
// `npm run chaos -- disk-full` runs the full form and writes RELIABILITY.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { diskFull } from './cases/disk-full.ts'
import { violations } from './cases/types.ts'

test('spill file on a full disk: GRIM_SPILL_FAILED with every event id, the unspilled metric, no silent loss', async () => {
  assertOwnStack()
  const r = await diskFull.run('short', (line) => process.stderr.write(`[disk-full] ${line}\n`))
  assert.deepEqual(violations(r), {}, JSON.stringify(r, null, 2))
  const m = r.measures ?? {}
  const info = JSON.stringify(r.notes)
  assert.ok((m.reportedUnspilled ?? 0) > 0, `the disk really was full: ${info}`)
  assert.equal(m.unspilledMetric, m.reportedUnspilled, `every unspilled event counted in the metric: ${info}`)
  assert.equal(m.idsMissingFromError, 0, info)
  assert.equal(m.notReportedBoth, 0, `both callbacks told the same: ${info}`)
  assert.equal(m.emptied, 1, `what was spilled was re-sent: ${info}`)
  // A failed append is undone (spill.ts), so nothing reported as not kept is delivered later too.
  assert.equal(m.reportedAndDelivered, 0, info)
})
