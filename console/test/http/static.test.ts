// The built front end is served at `/`, with index.html for the front end's own routes; /api stays JSON.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startTestConsole } from '../support.ts'

const web = mkdtempSync(join(tmpdir(), 'grimos-console-web-'))
mkdirSync(join(web, 'assets'))
writeFileSync(join(web, 'index.html'), '<!doctype html><title>grimOS console</title>')
writeFileSync(join(web, 'assets', 'app.js'), 'console.log("app")')
const t = await startTestConsole('console-static', { webDir: web })

test('files, index.html for front-end routes, JSON 404 under /api', async () => {
  const index = await fetch(`${t.url}/`)
  assert.equal(index.status, 200)
  assert.match(await index.text(), /grimOS console/)
  const script = await fetch(`${t.url}/assets/app.js`)
  assert.match(script.headers.get('content-type') ?? '', /javascript/)
  const route = await fetch(`${t.url}/dlq/records/0/1`)
  assert.equal(route.status, 200)
  assert.match(await route.text(), /grimOS console/)
  // Without credentials every /api path is a 401 (which exist is not told); with them, an unknown one is a 404.
  assert.equal((await fetch(`${t.url}/api/no-such-thing`)).status, 401)
  const authorization = `Basic ${Buffer.from(`admin:${t.adminPassword}`).toString('base64')}`
  const api = await fetch(`${t.url}/api/no-such-thing`, { headers: { authorization } })
  assert.equal(api.status, 404)
  assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'NOT_FOUND')
  assert.equal((await fetch(`${t.url}/assets/missing.js`)).status, 404)
})
