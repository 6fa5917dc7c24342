import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackConfig } from './config.ts'

// Every secret of the local stack lives in .grimos/secrets/, created on first use and reused after: the
// directory is 0700 and each file 0600, so other local users read none of it. Nothing here logs a value.

export const secretsDir = join(stackConfig.stateDir, 'secrets')

/** The secrets directory, owner-only even if it was created before with looser permissions. */
export function ensureSecretsDir(): string {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 })
  chmodSync(secretsDir, 0o700)
  return secretsDir
}

export const secretPath = (name: string) => join(secretsDir, name)

/** Writes a file only its owner can read (the mode is applied even when the file already existed). */
export function writeSecretFile(name: string, content: string | Buffer): string {
  ensureSecretsDir()
  const file = secretPath(name)
  writeFileSync(file, content, { mode: 0o600 })
  chmodSync(file, 0o600)
  return file
}

/** A per-checkout random secret, created once with owner-only permissions and reused by later starts. */
export function localSecret(name: string): string {
  const file = secretPath(name)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  // base64url: no quote, backslash or `$`, so it can sit in a JAAS line and a Quarkus property as it is.
  const value = randomBytes(32).toString('base64url')
  writeSecretFile(name, value)
  return value
}
