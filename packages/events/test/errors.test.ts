import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { EventValidationError, errorCatalogue, GrimError, isRetryable } from '../src/errors.ts'

test('docs/errors.md lists exactly the codes of the catalogue, with the same flags', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const rows = [...doc.matchAll(/^\| `(GRIM_[A-Z_]+)` \| (yes|no) \| (\d{3}) \|/gm)].map((m) => [
    m[1],
    m[2] === 'yes',
    Number(m[3]),
  ])
  const expected = Object.entries(errorCatalogue).map(([code, d]) => [code, d.retryable, d.httpStatus])
  assert.deepEqual(rows, expected)
})

test('a GrimError carries its code, retryable flag and HTTP status from the catalogue', () => {
  const error = new GrimError('GRIM_QUEUE_FULL', 'queue full')
  assert.equal(error.retryable, true)
  assert.equal(error.httpStatus, 503)
  assert.equal(isRetryable(new GrimError('GRIM_EVENT_INVALID', 'x')), false)
})

test('a validation error names the field and the rule in its message', () => {
  const error = new EventValidationError(
    [{ field: 'data.email', rule: 'email', message: 'must be a valid email' }],
    'user_registered',
  )
  assert.match(error.message, /data\.email/)
  assert.match(error.message, /\[email\]/)
  assert.equal(error.code, 'GRIM_EVENT_INVALID')
})
