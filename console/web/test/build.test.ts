// ensureConsoleBuilt: builds when dist/ is missing or its inputs changed, and only then. Runs Vite for real on a
// tiny app in a temporary folder.
import assert from 'node:assert/strict'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { ensureConsoleBuilt, staleReason } from '../build.ts'

const dir = mkdtempSync(join(tmpdir(), 'grimos-console-web-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function app(message: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true })
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><div id="app"></div><script type="module" src="/src/main.ts"></script>\n',
  )
  writeFileSync(join(dir, 'vite.config.ts'), 'export default { logLevel: "warn" }\n')
  writeFileSync(join(dir, 'package.json'), '{ "name": "fixture", "private": true, "type": "module" }\n')
  writeFileSync(
    join(dir, 'src', 'main.ts'),
    `document.getElementById('app')!.textContent = ${JSON.stringify(message)}\n`,
  )
}

function builtScript(): string {
  const assets = join(dir, 'dist', 'assets')
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n')
}

test('builds when missing, not again while fresh, again when a source changes', async () => {
  app('first build')
  assert.equal(staleReason(dir), 'no build yet')
  const lines: string[] = []
  assert.equal(await ensureConsoleBuilt({ dir, onProgress: (line) => lines.push(line) }), true)
  assert.match(builtScript(), /first build/)
  assert.match(lines[0] ?? '', /building \(no build yet\)/)
  assert.equal(staleReason(dir), undefined)

  assert.equal(await ensureConsoleBuilt({ dir }), false)

  // A new mtime with the same content is not a change (a fresh checkout, a copy).
  const later = new Date(Date.now() + 60_000)
  utimesSync(join(dir, 'src', 'main.ts'), later, later)
  assert.equal(await ensureConsoleBuilt({ dir }), false)

  writeFileSync(join(dir, 'src', 'extra.ts'), 'export const unused = 1\n')
  assert.equal(staleReason(dir), 'sources changed')
  app('second build')
  assert.equal(await ensureConsoleBuilt({ dir }), true)
  assert.match(builtScript(), /second build/)
  assert.doesNotMatch(builtScript(), /first build/)
  // The swap leaves nothing behind.
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('dist.')),
    [],
  )
})

test('a dist/ without a stamp (built by hand, or interrupted) is rebuilt', async () => {
  app('stamped')
  await ensureConsoleBuilt({ dir })
  rmSync(join(dir, 'dist', '.build-stamp'))
  assert.equal(staleReason(dir), 'no build stamp')
  assert.equal(await ensureConsoleBuilt({ dir }), true)
  assert.ok(existsSync(join(dir, 'dist', '.build-stamp')))
})

test('a failed build keeps the previous dist/ and says why', async () => {
  app('good')
  await ensureConsoleBuilt({ dir })
  writeFileSync(join(dir, 'src', 'main.ts'), 'import { missing } from "./nowhere.ts"\nconsole.log(missing)\n')
  await assert.rejects(ensureConsoleBuilt({ dir }), /nowhere/)
  assert.match(builtScript(), /good/)
  assert.equal(staleReason(dir), 'sources changed')
})
