// A real full disk: a 16 KiB tmpfs (root only; skipped, loudly, where mounting is not allowed).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { createUserEvent } from '../../src/catalog/index.ts'
import { GrimError } from '../../src/errors.ts'
import { createProducerMetrics } from '../../src/metrics/producer.ts'
import { keepFailed } from '../../src/producer/keep-failed.ts'
import { SpillFile } from '../../src/producer/spill.ts'
import { validInputs } from '../catalog/fixtures.ts'

function mountTinyDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'full-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'pipe' })
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return undefined
  }
  after(() => {
    execFileSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

test('disk full: events that cannot be spilled are GRIM_SPILL_FAILED to the callbacks, counted, never silent', async (t) => {
  const disk = mountTinyDisk()
  if (!disk) return t.skip('mounting a tmpfs needs root: the full-disk case is not exercised here')
  const spill = new SpillFile(join(disk, 'spill', 'events.ndjson'))
  mkdirSync(join(disk, 'spill'))
  const filler = join(disk, 'filler')
  // Leave one 4 KiB block free: a batch of 20 events is about three times that, so the disk takes only a part of it.
  writeFileSync(filler, Buffer.alloc(12 * 1024))
  const registry = new Registry()
  const metrics = createProducerMetrics(registry)
  const heard: GrimError[] = []
  const deps = {
    spill,
    log: pino({ level: 'silent' }),
    metrics,
    onBackgroundFailure: (_: unknown, e: GrimError) => heard.push(e),
  }
  const events = Array.from({ length: 20 }, () => ({ event: createUserEvent(validInputs.user_login) }))
  const kept = await keepFailed(deps, events, new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker down'))
  assert.equal(kept, false)
  assert.equal(heard.length, 20)
  assert.ok(heard.every((e) => e.code === 'GRIM_SPILL_FAILED' && /ENOSPC|no space/i.test(e.message)))
  assert.deepEqual(
    heard[0]?.details.eventIds,
    events.map((item) => item.event.event_id),
  )
  const published = await registry.getSingleMetric('grimos_events_published_total')?.get()
  assert.equal(published?.values.find((v) => v.labels.outcome === 'unspilled')?.value, 20)
  assert.equal((await registry.getSingleMetric('grimos_spill_pending_events')?.get())?.values[0]?.value, 0)
  assert.equal(await spill.count(), 0, 'a batch the disk took only part of is cut off again, not half kept')

  rmSync(filler)
  assert.equal(await keepFailed(deps, events, new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker down')), true)
  assert.equal(await spill.count(), 20, 'with room again, the next failure is spilled as usual')
})
