import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ConfigError } from '@grimos/service-kit'
import type { AuthEnv } from '../options.ts'

/** Where the development secret of a data dir lives: next to it, so wiping the folder keeps sessions valid. */
export function secretFileFor(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}.jwt-secret`)
}

/**
 * The signing key: JWT_SECRET when given (and required in production); otherwise one generated per data dir
 * and kept in a 0600 file, so development restarts keep their sessions. The value is never logged.
 */
export async function resolveJwtSecret(env: AuthEnv): Promise<string> {
  if (env.JWT_SECRET !== undefined) return env.JWT_SECRET
  if (env.NODE_ENV === 'production') throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production')
  const file = secretFileFor(env.AUTH_DATA_DIR)
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  try {
    await writeFile(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // A copy made with looser permissions (restored from a backup, say) is tightened rather than trusted as is.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  const secret = (await readFile(file, 'utf8')).trim()
  if (secret.length < 32) throw new ConfigError('JWT_SECRET', `file ${file} holds fewer than 32 characters`)
  return secret
}
