import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServiceApp } from '../src/app.ts'
import { listen } from '../src/listen.ts'

test('listens on 127.0.0.1 by default and resolves the URL', async (t) => {
  const app = createServiceApp({ name: 'test', logger: { level: 'silent' } })
  t.after(() => app.close())
  app.get('/ping', async () => ({ pong: true }))
  const url = await listen(app, { port: 0 })
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const response = await fetch(`${url}/ping`)
  assert.deepEqual(await response.json(), { pong: true })
})
