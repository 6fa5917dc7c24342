import { constants } from 'node:os'

// Why a supervised process exited, in words a person reads in `stack status` and on the `npm start` console.

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]))

// What V8 and the JVM print when they run out of heap; the exit code alone does not say it.
const outOfMemoryText = [
  /JavaScript heap out of memory/,
  /Allocation failed - process out of memory/,
  /java\.lang\.OutOfMemoryError/,
  /Terminating due to java\.lang\.OutOfMemoryError/,
]

export interface ExitFacts {
  code: number | null
  signal: string | null
  /** The end of what the process wrote to its log during this run. */
  logTail?: string
  /** Set when the process could not be started at all (spawn error). */
  spawnError?: string
}

export function mentionsOutOfMemory(text: string): boolean {
  return outOfMemoryText.some((pattern) => pattern.test(text))
}

/** The signal behind a shell-style exit code (128 + n), if it is one. */
function signalOfCode(code: number): string | undefined {
  return code > 128 ? signalNames.get(code - 128) : undefined
}

/**
 * e.g. "exit 134 (out of memory)", "signal SIGKILL (killed: kill -9 or the kernel's OOM killer)", "exit 3".
 * Out of memory is named only when the log says so: an abort alone can have other causes, so it is named as such.
 */
export function describeExit(facts: ExitFacts): { reason: string; outOfMemory: boolean } {
  if (facts.spawnError) return { reason: `could not start (${facts.spawnError})`, outOfMemory: false }
  const outOfMemory = mentionsOutOfMemory(facts.logTail ?? '')
  const signal = facts.signal ?? (facts.code === null ? undefined : signalOfCode(facts.code))
  const head = facts.signal ? `signal ${facts.signal}` : `exit ${facts.code ?? '?'}`
  let detail: string | undefined
  if (outOfMemory) detail = 'out of memory'
  else if (signal === 'SIGKILL') detail = "killed: kill -9 or the kernel's OOM killer"
  else if (signal === 'SIGABRT') detail = 'aborted; often out of memory, see the log'
  else if (signal && !facts.signal) detail = signal
  return { reason: detail ? `${head} (${detail})` : head, outOfMemory }
}
