// Builds the console's front end when dist/ is missing or stale, so `npm start` and `npm test` never need an
// extra command. Stale means: the hash of every input (sources, index.html, the Vite config, the workspace's
// package.json with its pinned versions) differs from the one written next to the last build. Hashing content
// instead of comparing mtimes survives checkouts and copies that reset times.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

export const webDir = import.meta.dirname
export const distDir = join(webDir, 'dist')
const stampFile = '.build-stamp'
const inputs = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', 'src']
/** Bounds the walk: the sources are a few dozen files; anything past this is a mistake (a stray folder). */
const maxInputFiles = 2000

function filesUnder(path: string, into: string[]): void {
  if (!existsSync(path)) return
  if (!statSync(path).isDirectory()) {
    into.push(path)
    return
  }
  const entries = readdirSync(path, { withFileTypes: true })
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name)
    if (entry.isDirectory()) filesUnder(full, into)
    else if (entry.isFile()) into.push(full)
    if (into.length > maxInputFiles) throw new Error(`console/web: more than ${maxInputFiles} source files`)
  }
}

/** The hash of every input of the build, by path and content. */
export function sourceHash(dir: string = webDir): string {
  const hash = createHash('sha256')
  for (const input of inputs) {
    const files: string[] = []
    filesUnder(join(dir, input), files)
    for (const file of files) {
      hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0')
    }
  }
  return hash.digest('hex')
}

/** Why dist/ must be rebuilt, or undefined when it is fresh. */
export function staleReason(dir: string = webDir): string | undefined {
  const dist = join(dir, 'dist')
  if (!existsSync(join(dist, 'index.html'))) return 'no build yet'
  const stamp = join(dist, stampFile)
  if (!existsSync(stamp)) return 'no build stamp'
  return readFileSync(stamp, 'utf8').trim() === sourceHash(dir) ? undefined : 'sources changed'
}

export interface EnsureOptions {
  /** Progress lines (one before a build, one after). */
  onProgress?: (line: string) => void
  /** Default: this workspace. Tests point it at a copy. */
  dir?: string
}

/**
 * Builds dist/ when it is missing or stale; returns whether it built. The new build is written beside dist/
 * and swapped in by rename, so a backend serving dist/ never sees half a build.
 */
export async function ensureConsoleBuilt(options: EnsureOptions = {}): Promise<boolean> {
  const dir = options.dir ?? webDir
  const reason = staleReason(dir)
  if (!reason) return false
  const started = Date.now()
  options.onProgress?.(`console web: building (${reason})`)
  const hash = sourceHash(dir)
  const next = join(dir, `dist.next-${process.pid}`)
  const old = join(dir, `dist.old-${process.pid}`)
  const { build } = await import('vite')
  try {
    await build({
      root: dir,
      configFile: join(dir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: next, emptyOutDir: true },
    })
    writeFileSync(join(next, stampFile), `${hash}\n`)
    const dist = join(dir, 'dist')
    if (existsSync(dist)) renameSync(dist, old)
    renameSync(next, dist)
  } finally {
    rmSync(next, { recursive: true, force: true })
    rmSync(old, { recursive: true, force: true })
  }
  options.onProgress?.(`console web: built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}
