// The short form of `npm run fuzz`: 20,000 hostile inputs through the consumer's decode path on every test run.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { USER_EVENT_TYPES } from '../../packages/events/src/catalog/index.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { deleteSubjectsAfter, uniqueName } from '../support/index.ts'
import { fuzzDecoder } from './decoder.ts'

const serde = new EventSerde({ topic: uniqueName('fuzz'), unknownSchemaTtlMs: 3_600_000 })
after(() => serde.close())
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))

test('20,000 hostile records: only GrimErrors, each bounded in time, the heap bounded', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
  // Bounds looser than `npm run fuzz`'s: this slice shares two cores with the rest of the suite.
  const report = await fuzzDecoder({ serde, inputs: 20_000, seed, maxInputMs: 250, maxHeapGrowthBytes: 64 << 20 })
  assert.deepEqual(report.failures, [], `seed ${seed}: ${report.failureCount} failures`)
  assert.ok(report.accepted > 0, 'the valid records among the inputs decode')
  assert.ok((report.rejectedByCode.GRIM_DECODE_FAILED ?? 0) > report.inputs / 2)
})
