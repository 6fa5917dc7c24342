import assert from 'node:assert/strict'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { countSpilled, spill, takeSpilled } from '../../src/producer/spill.ts'

test('spilled events come back once, in order, and are gone after done()', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'spill-')), 'events.ndjson')
  await spill(file, [{ n: 1 }, { n: 2 }])
  await spill(file, [{ n: 3 }])
  assert.equal(await countSpilled(file), 3)
  const first = await takeSpilled(file)
  assert.deepEqual(first.events, [{ n: 1 }, { n: 2 }, { n: 3 }])
  await first.done()
  assert.deepEqual((await takeSpilled(file)).events, [])
  assert.equal(existsSync(file), false)
})

test('a crash between take and done keeps the events for the next start', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'spill-')), 'events.ndjson')
  await spill(file, [{ n: 1 }])
  await takeSpilled(file) // no done(): the process "died" while re-sending
  await spill(file, [{ n: 2 }])
  const again = await takeSpilled(file)
  assert.deepEqual(again.events, [{ n: 1 }, { n: 2 }])
  await again.done()
})
