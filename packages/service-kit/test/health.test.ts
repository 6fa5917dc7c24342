import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServiceApp } from '../src/app.ts'
import { registerHealthRoutes } from '../src/health.ts'

test('live and ready answer 200 or 503 with the failing dependency named', async (t) => {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  t.after(() => app.close())
  let databaseUp = true
  registerHealthRoutes(app, { live: () => true, ready: async () => ({ database: databaseUp }) })

  const live = await app.inject({ url: '/health/live' })
  assert.equal(live.statusCode, 200)
  assert.deepEqual(live.json(), { status: 'ok' })

  assert.deepEqual((await app.inject({ url: '/health/ready' })).json(), { status: 'ok', checks: { database: true } })
  databaseUp = false
  const down = await app.inject({ url: '/health/ready' })
  assert.equal(down.statusCode, 503)
  assert.deepEqual(down.json(), { status: 'fail', checks: { database: false } })
})

test('a check that throws or hangs counts as failed', async (t) => {
  const lines: string[] = []
  const stream = { write: (line: string) => lines.push(line) }
  const app = createServiceApp({ name: 'test', logger: { level: 'info', stream } })
  t.after(() => app.close())
  registerHealthRoutes(
    app,
    {
      live: () => {
        throw new Error('broken')
      },
      ready: () => new Promise<boolean>(() => undefined),
    },
    { timeoutMs: 50 },
  )
  assert.equal((await app.inject({ url: '/health/live' })).statusCode, 503)
  const started = Date.now()
  assert.equal((await app.inject({ url: '/health/ready' })).statusCode, 503)
  assert.ok(Date.now() - started < 1_000)
  // The failure is logged; the probes' own request lines are not.
  assert.equal(lines.filter((line) => line.includes('health check failed')).length, 2)
  assert.equal(lines.filter((line) => line.includes('incoming request')).length, 0)
})
