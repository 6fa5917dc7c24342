// Entry point: `node console/src/main.ts`. Reads the environment, builds the console, listens, and shuts down
// in order on SIGINT/SIGTERM.
import { ConfigError, closeOnSignals, listen } from '@grimos/service-kit'
import { buildConsoleServer } from './app.ts'
import { loadConsoleConfig } from './options.ts'

async function main(): Promise<void> {
  const config = loadConsoleConfig()
  const { app, adminPasswordFile } = await buildConsoleServer({ config })
  closeOnSignals(app)
  if (adminPasswordFile) {
    // Where, not what: the password itself never reaches stdout or a log.
    process.stdout.write(`\nconsole: created operator "admin"; its password is in ${adminPasswordFile}\n\n`)
  }
  try {
    await listen(app, { host: config.HOST, port: config.PORT })
  } catch (error) {
    await app.close()
    throw error
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `console failed to start: ${(error as Error)?.stack ?? String(error)}\n`,
  )
  process.exit(1)
})
