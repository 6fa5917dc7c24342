// Headless Debian Chromium driven by playwright-core (which downloads no browser), and the screenshots the
// README shows: taken when GRIMOS_CONSOLE_SCREENSHOTS=1 (scripts/screenshots.ts sets it), else skipped.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

export const chromiumPath = process.env.GRIMOS_CHROMIUM ?? '/usr/bin/chromium'
const screenshotDir = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'console')
const takeScreenshots = process.env.GRIMOS_CONSOLE_SCREENSHOTS === '1'

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set GRIMOS_CHROMIUM)`)
  // As root Chromium needs --no-sandbox; playwright passes it unless chromiumSandbox is asked for.
  return chromium.launch({ executablePath: chromiumPath, headless: true })
}

/** A screenshot of the whole page into docs/console/<name>.png, when screenshots were asked for. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!takeScreenshots) return
  mkdirSync(screenshotDir, { recursive: true })
  // Live charts and fonts settle before the picture.
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true })
}
