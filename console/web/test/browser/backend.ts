// The real console backend, in process on a free port: its own in-memory store (PGlite), the first-start `admin`
// operator whose password it writes to a temporary secrets folder, and a viewer account added beside it. It
// serves console/web/dist, which npm test builds first.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { addOperator } from '../../../src/auth/operators.ts'
import { buildConsoleServer, loadConsoleConfig } from '../../../src/index.ts'
import { distDir } from '../../build.ts'
import type { Account } from './console-server.ts'

export interface BackendUnderTest {
  url: string
  operator: Account
  viewer: Account
  close(): Promise<void>
}

export async function startConsoleBackend(options: {
  userEventsTopic: string
  consumerGroup: string
}): Promise<BackendUnderTest> {
  const secrets = mkdtempSync(join(tmpdir(), 'grimos-console-secrets-'))
  // Kafka and registry settings come from the environment npm test sets; the store is this run's own.
  const { DATABASE_URL: _database, PGLITE_DATA_DIR: _pglite, ...env } = process.env
  const config = loadConsoleConfig({
    ...env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    CONSOLE_SECRETS_DIR: secrets,
    CONSOLE_WEB_DIR: distDir,
    USER_EVENTS_TOPIC: options.userEventsTopic,
    CONSOLE_CONSUMER_GROUP: options.consumerGroup,
    CONSOLE_SAMPLE_MS: '1000',
  })
  const server = await buildConsoleServer({ config, logger: pino({ level: 'silent' }) })
  try {
    if (!server.adminPasswordFile) throw new Error('a fresh console store did not create its first operator')
    const operator = { username: 'admin', password: readFileSync(server.adminPasswordFile, 'utf8').trim() }
    const viewer = { username: 'auditor', password: randomBytes(12).toString('base64url') }
    await addOperator(server.db, { ...viewer, role: 'viewer' }, 'admin')
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 })
    return {
      url: address.replace(/\/$/, ''),
      operator,
      viewer,
      async close() {
        await server.app.close()
        rmSync(secrets, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await server.app.close()
    rmSync(secrets, { recursive: true, force: true })
    throw error
  }
}
