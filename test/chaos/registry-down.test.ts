// Short form of the registry-down case (test/chaos/cases/registry-down.ts): the registry cut for 10 s behind a
// loopback proxy. `npm run chaos -- registry-down` runs the 60 s form and writes RELIABILITY.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertOwnStack } from '../support/chaos.ts'
import { registryDown } from './cases/registry-down.ts'
import { violations } from './cases/types.ts'

test('registry down: 0 good events in the DLQ, the consumer pauses and resumes, cached ids publish, a new schema fails typed', async () => {
  assertOwnStack()
  const r = await registryDown.run('short', (line) => process.stderr.write(`[registry-down] ${line}\n`))
  assert.deepEqual(violations(r), {}, JSON.stringify(r, null, 2))
  const m = r.measures ?? {}
  const info = JSON.stringify(r.notes)
  assert.equal(r.events, registryDown.events.short, `every publish was acknowledged: ${info}`)
  assert.ok((m.ackedDuringCut ?? 0) > 0, `the publisher with cached ids kept producing: ${info}`)
  assert.equal(m.handledDuringCut, 0, `the restarted consumer could decode nothing while the registry was cut: ${info}`)
  assert.ok((m.healthSamples ?? 0) > 0, info)
  assert.equal(m.notReadySamples, m.healthSamples, `not ready throughout the cut: ${info}`)
  assert.equal(m.registryNamedSamples, m.healthSamples, `the registry named as the reason: ${info}`)
  assert.equal(m.notLiveSamples, 0, `live throughout (no restart wanted): ${info}`)
  assert.equal(m.newSchemaTyped, 1, `a new schema fails with GRIM_REGISTRY_UNAVAILABLE: ${info}`)
  assert.ok((m.resumeMs ?? -1) >= 0 && (m.resumeMs ?? 0) < 30_000, `resumed by itself: ${info}`)
  assert.equal(m.readyAgain, 1, info)
})
