// Live streams are bounded: past CONSOLE_MAX_STREAMS open ones, another is a 503 CONSOLE_BUSY, and a closed one
// frees its place.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client, startTestConsole } from '../support.ts'

const t = await startTestConsole('console-streams', { env: { CONSOLE_MAX_STREAMS: '1' } })
const admin = new Client(t.url)
await admin.login('admin', t.adminPassword)

test('one stream open: the next is refused; once it closes, another opens', async () => {
  const open = (signal?: AbortSignal) =>
    fetch(`${t.url}/api/live/throughput`, { headers: { cookie: admin.cookie ?? '' }, signal })
  const first = new AbortController()
  assert.equal((await open(first.signal)).status, 200)
  const refused = await open()
  assert.equal(refused.status, 503)
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'CONSOLE_BUSY')
  first.abort()
  let again = 503
  for (let i = 0; i < 50 && again !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const controller = new AbortController()
    const response = await open(controller.signal)
    again = response.status
    if (again === 200) controller.abort()
    else await response.body?.cancel()
  }
  assert.equal(again, 200)
})
