import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { SpillFile } from '../../src/producer/spill.ts'

const newFile = () => new SpillFile(join(mkdtempSync(join(tmpdir(), 'spill-')), 'events.ndjson'))

test('spilled events come back once, in order, and are gone after done()', async () => {
  const file = newFile()
  await file.append([{ n: 1 }, { n: 2 }])
  await file.append([{ n: 3 }])
  assert.equal(await file.count(), 3)
  const first = await file.take()
  assert.deepEqual(first.events, [{ n: 1 }, { n: 2 }, { n: 3 }])
  await first.done()
  assert.deepEqual((await file.take()).events, [])
  assert.equal(existsSync(file.path), false)
})

test('a failed re-send (no done) keeps the events ahead of those spilled after it', async () => {
  const file = newFile()
  await file.append([{ n: 1 }])
  await file.take() // the re-send failed: done() never called
  await file.append([{ n: 2 }])
  const again = await file.take()
  assert.deepEqual(again.events, [{ n: 1 }, { n: 2 }])
  await again.done()
  assert.equal(await file.count(), 0)
})

test('appends racing a take are never lost: operations on one file run in turn', async () => {
  const file = newFile()
  await file.append([{ n: 0 }])
  const [taken] = await Promise.all([file.take(), file.append([{ n: 1 }]), file.append([{ n: 2 }])])
  await taken.done()
  const rest = await file.take()
  assert.deepEqual(
    [...taken.events, ...rest.events],
    [{ n: 0 }, { n: 1 }, { n: 2 }].slice(0, taken.events.length + rest.events.length),
  )
  assert.equal(taken.events.length + rest.events.length, 3)
})

test('a line cut short by a crash is quarantined to .bad and counted, the rest come back', async () => {
  const file = newFile()
  await file.append([{ n: 1 }])
  appendFileSync(file.path, '{"n": 2, "trunc')
  const taken = await file.take()
  assert.deepEqual(taken.events, [{ n: 1 }])
  assert.equal(taken.quarantined, 1)
  assert.match(readFileSync(`${file.path}.bad`, 'utf8'), /trunc/)
})

test('hostile lines (huge, deeply nested, not JSON) are quarantined or parsed without a crash; good ones survive', async () => {
  const file = newFile()
  await file.append([{ n: 1 }])
  const huge = `{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`
  const nested = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
  appendFileSync(file.path, `${huge}\nnot json\n${nested}\n`)
  await file.append([{ n: 2 }])
  const taken = await file.take()
  assert.equal(taken.quarantined, 2)
  assert.deepEqual(taken.events[0], { n: 1 })
  assert.deepEqual(taken.events.at(-1), { n: 2 })
  assert.equal(
    taken.events.length,
    3,
    'the nested array parses (V8 parses JSON without recursion); validation refuses it',
  )
  const bad = readFileSync(`${file.path}.bad`, 'utf8').split('\n').filter(Boolean)
  assert.equal(bad.length, 2)
})
