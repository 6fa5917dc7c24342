import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import { recordNameFor, USER_EVENT_TYPES } from '../../src/catalog/index.ts'

const run = promisify(execFile)
const script = new URL('../../src/serde/register-schemas.ts', import.meta.url).pathname
const topic = uniqueName('cli')
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => `${topic}-${recordNameFor(eventType)}`))

test('the CLI registers the seven schemas and prints subject -> id, one per line', async () => {
  const { stdout } = await run(process.execPath, [script, '--topic', topic, '--registry-url', registryUrl])
  const lines = stdout.trim().split('\n')
  assert.equal(lines.length, 7)
  for (const [i, eventType] of USER_EVENT_TYPES.entries())
    assert.match(lines[i] ?? '', new RegExp(`^${topic.replaceAll('.', '\\.')}-${recordNameFor(eventType)} -> \\d+$`))
  const again = await run(process.execPath, [script, '--topic', topic, '--registry-url', registryUrl])
  assert.equal(again.stdout, stdout, 'registering again is idempotent')
})

test('the CLI fails with one line and exit code 1 when the registry is unreachable', async () => {
  await assert.rejects(
    run(process.execPath, [script, '--topic', topic, '--registry-url', 'http://127.0.0.1:9']),
    (error: { code?: number; stderr?: string; stdout?: string }) => {
      assert.equal(error.code, 1)
      assert.equal(error.stdout, '')
      assert.match(error.stderr ?? '', /^register-schemas failed: GRIM_REGISTRY_UNAVAILABLE: .+\n$/)
      assert.equal(error.stderr?.trim().split('\n').length, 1)
      return true
    },
  )
})
