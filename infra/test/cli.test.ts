import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

// The stack manager's failures are read by people: each must be one line that says what to do.
const cli = fileURLToPath(new URL('../stack/cli.ts', import.meta.url))
const nodeDir = dirname(process.execPath)

function runUp(env: Record<string, string>) {
  const stateDir = mkdtempSync(join(tmpdir(), 'grimos-stack-'))
  // Ports nobody uses, so these runs never meet a real stack.
  const result = spawnSync(process.execPath, [cli, 'up'], {
    env: {
      PATH: `${nodeDir}:/usr/bin:/bin`,
      GRIMOS_STATE_DIR: stateDir,
      GRIMOS_KAFKA_PORT: '28092',
      GRIMOS_KAFKA_CONTROLLER_PORT: '28093',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: result.status, stderr: result.stderr.trim() }
}

function assertOneLine(stderr: string, pattern: RegExp) {
  assert.equal(stderr.split('\n').length, 1, `one line, got:\n${stderr}`)
  assert.match(stderr, /^error: /)
  assert.match(stderr, pattern)
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
}

test('a missing Java is one line that says to install a JDK', () => {
  const emptyBin = mkdtempSync(join(tmpdir(), 'no-java-'))
  const { status, stderr } = runUp({ PATH: `${nodeDir}:${emptyBin}`, GRIMOS_JDK_ROOTS: emptyBin })
  assert.equal(status, 1)
  assertOneLine(stderr, /needs Java 17 or newer and no Java was found: install a JDK/)
})

test('a port already taken is one line that names the port and the env var to move it', async () => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(28092, '127.0.0.1', resolve))
  try {
    const { status, stderr } = runUp({})
    assert.equal(status, 1)
    assertOneLine(stderr, /port 28092 on 127\.0\.0\.1 is already in use.*GRIMOS_KAFKA_PORT/)
  } finally {
    blocker.close()
  }
})

test('a failed download is one line that points at the log', () => {
  // A stand-in mvn that fails like an unreachable Maven Central would.
  const fakeBin = mkdtempSync(join(tmpdir(), 'bad-mvn-'))
  writeFileSync(
    join(fakeBin, 'mvn'),
    '#!/bin/sh\necho "[ERROR] Could not transfer artifact: Connection refused" >&2\nexit 1\n',
  )
  chmodSync(join(fakeBin, 'mvn'), 0o755)
  const { status, stderr } = runUp({ PATH: `${nodeDir}:${fakeBin}:/usr/bin:/bin` })
  assert.equal(status, 1)
  assertOneLine(stderr, /downloading Apache Kafka .* from Maven Central failed: check the network.*fetch-kafka\.log/)
})
