// Runs once per `npm test`: brings the local stack up (or reuses a running one) and, at the end, stops only
// what it started, so a developer's running stack survives the test run.
import { down, up } from '../infra/stack/stack.ts'

let started: string[] = []

export async function globalSetup(): Promise<void> {
  started = await up((line) => process.stderr.write(`[stack] ${line}\n`))
}

export async function globalTeardown(): Promise<void> {
  if (started.length) await down(started)
}
