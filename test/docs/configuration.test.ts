// docs/configuration.md is generated from the code (test/docs/configuration-doc.ts); this fails when it is stale.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { configurationDoc, configurationDocPath } from './configuration-doc.ts'

test('docs/configuration.md lists every variable and option with its default, as the code has them', async () => {
  assert.equal(
    readFileSync(configurationDocPath, 'utf8'),
    await configurationDoc(),
    'docs/configuration.md is stale: run `npm run docs`',
  )
})
