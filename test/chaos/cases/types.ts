// What every fault case is and returns. A case is one module in this folder, listed in ./index.ts; the short form
// runs in `npm test` (test/chaos/*.test.ts) and the full form under `npm run chaos`, which writes RELIABILITY.md.

export type CaseSize = 'short' | 'full'

export interface CaseResult {
  /** What was injected, when, and for how long: one sentence for RELIABILITY.md. */
  injected: string
  /** Events the case set out to deliver (accepted by the publisher or acknowledged over HTTP). */
  events: number
  /** Expected events with no side effect at the end. */
  lost: number
  /** Events whose side effect happened more than once. */
  doubledEffects: number
  /** Deliveries beyond the first (redelivered records or duplicate records in the topic), absorbed by dedupe. */
  redelivered: number
  inDlq: number
  /** Side effects applied after a later event of the same key. */
  outOfOrder: number
  wallMs: number
  /** What must hold but did not, beyond the counts (a service that exited, an unclear answer): one line each. */
  broken?: string[]
  /** Further measured facts, one line each (timings, outcomes of the fault itself). */
  notes: string[]
  /** Figures a case measures beyond the counts (rates, ratios), for its test to assert on. */
  measures?: Record<string, number>
}

export interface ChaosCase {
  /** File-safe id: `npm run chaos -- <id>`. */
  id: string
  /** The fault as the RELIABILITY.md table names it. */
  fault: string
  mustHold: string
  /** How the case works, for RELIABILITY.md's method paragraph. */
  method: string
  events: Record<CaseSize, number>
  /** The case is killed (and fails) past this; it normally ends well before. */
  timeoutMs: Record<CaseSize, number>
  run(size: CaseSize, log: (line: string) => void): Promise<CaseResult>
}

/** The counts that must be zero for any case of this suite; `npm test` asserts them on the short forms. */
export function violations(result: CaseResult): Record<string, number> {
  const bad: Record<string, number> = {}
  for (const key of ['lost', 'doubledEffects', 'inDlq', 'outOfOrder'] as const) {
    if (result[key] !== 0) bad[key] = result[key]
  }
  if (result.broken?.length) bad.broken = result.broken.length
  return bad
}
