// `npm run screenshots -w console/web`: runs the browser test against this checkout's stack (started if needed,
// stopped again if it was started here) with screenshots on, rewriting docs/console/*.png.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { useAdminCredentials } from '../../../infra/stack/security.ts'
import { down, infrastructure, up } from '../../../infra/stack/stack.ts'
import { ensureConsoleBuilt } from '../build.ts'

const root = join(import.meta.dirname, '..', '..', '..')
let started: string[] = []
let code = 1
try {
  await ensureConsoleBuilt({ onProgress: (line) => console.log(line) })
  started = await up((line) => console.log(`[stack] ${line}`), infrastructure)
  useAdminCredentials()
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--test', 'console/web/test/browser/console.test.ts'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, GRIMOS_CONSOLE_SCREENSHOTS: '1' },
    })
    child.on('exit', (exit, signal) => resolve(exit ?? (signal ? 1 : 0)))
  })
  if (code === 0) console.log(`screenshots written to ${join(root, 'docs', 'console')}`)
} catch (error) {
  console.error(`error: ${(error as Error).message}`)
} finally {
  if (started.length) await down(started)
}
process.exit(code)
