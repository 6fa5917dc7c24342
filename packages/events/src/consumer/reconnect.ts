// After the record stream ended on a broker outage, the consumer joins again with capped backoff until the broker
// answers, however long that takes. The wait is the outage monitor's (outage.ts): the same backoff, health and
// metrics as records waiting for the broker.
import { dependencyOutageOf } from '../dependency.ts'
import type { OutageMonitor } from './outage.ts'

export interface RejoinSteps {
  outages: OutageMonitor
  signal: AbortSignal
  /** Creates a client and joins the group; throws when the broker does not answer yet. */
  join(): Promise<void>
  /** Closes what a failed join left behind. */
  discard(): Promise<void>
  /** False once the consumer stopped meanwhile: the loop ends. */
  wanted(): boolean
}

export type RejoinOutcome = { joined: true; rounds: number } | { joined: false; error?: unknown }

/** Joins again until it works (joined), the consumer stops (no error), or something other than an outage refuses. */
export async function rejoinAfterOutage(steps: RejoinSteps): Promise<RejoinOutcome> {
  for (let round = 0; steps.wanted(); round++) {
    if (!(await steps.outages.wait('broker', round, steps.signal))) return { joined: false }
    try {
      await steps.join()
      return { joined: true, rounds: round + 1 }
    } catch (error) {
      await steps.discard()
      // Refused credentials or ACLs will not change by waiting: the consumer fails, and says why.
      if (dependencyOutageOf(error) !== 'broker') return { joined: false, error }
    }
  }
  return { joined: false }
}
