import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { StackError } from './errors.ts'

const run = promisify(execFile)

export interface Jdk {
  java: string
  major: number
}

function jdkRoots(): string[] {
  const configured = process.env.GRIMOS_JDK_ROOTS
  if (configured !== undefined) return configured.split(':').filter(Boolean)
  return ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines']
}

// Where JDKs usually live. JAVA_HOME and PATH come first so a user's choice wins over discovery.
function candidateBinaries(): string[] {
  const found: string[] = []
  if (process.env.JAVA_HOME) found.push(join(process.env.JAVA_HOME, 'bin', 'java'))
  found.push('java')
  for (const root of jdkRoots()) {
    if (!existsSync(root)) continue
    for (const entry of readdirSync(root)) {
      for (const bin of [join(root, entry, 'bin', 'java'), join(root, entry, 'Contents', 'Home', 'bin', 'java')]) {
        if (existsSync(bin)) found.push(bin)
      }
    }
  }
  return [...new Set(found)]
}

async function probe(java: string): Promise<Jdk | undefined> {
  try {
    const { stderr } = await run(java, ['-version'], { timeout: 15_000 })
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr)
    if (!match) return undefined
    // Java 8 and older report "1.8.0_x".
    const major = match[1] === '1' ? Number(match[2]) : Number(match[1])
    return { java, major }
  } catch {
    // A missing or broken candidate is normal during discovery; findJava reports when none fits.
    return undefined
  }
}

let discovered: Promise<Jdk[]> | undefined

export function discoverJdks(): Promise<Jdk[]> {
  discovered ??= Promise.all(candidateBinaries().map(probe)).then((list) =>
    list.filter((jdk): jdk is Jdk => jdk !== undefined),
  )
  return discovered
}

/** The first JDK (in preference order) of at least `minMajor`, or a one-line error. */
export async function findJava(minMajor: number, purpose: string, overrideEnv: string): Promise<Jdk> {
  const override = process.env[overrideEnv]
  if (override) {
    const jdk = await probe(join(override, 'bin', 'java'))
    if (!jdk || jdk.major < minMajor) {
      throw new StackError(
        `${overrideEnv}=${override} is not a Java ${minMajor}+ home; ${purpose} needs Java ${minMajor} or newer.`,
      )
    }
    return jdk
  }
  const jdks = await discoverJdks()
  const fitting = jdks.find((jdk) => jdk.major >= minMajor)
  if (fitting) return fitting
  const seen = jdks.length ? `found only Java ${jdks.map((j) => j.major).join(', ')}` : 'no Java was found'
  throw new StackError(
    `${purpose} needs Java ${minMajor} or newer and ${seen}: install a JDK ${minMajor}+ (e.g. Temurin) and set JAVA_HOME or ${overrideEnv}.`,
  )
}
