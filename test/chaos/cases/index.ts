// Every fault case, in the order `npm run chaos` runs them, and the faults still to be built (listed in
// RELIABILITY.md as "not measured yet" until a module exists). Adding a case: one module exporting a ChaosCase,
// one line here, one short test in test/chaos/<id>.test.ts.
import { brokerKill } from './broker-kill.ts'
import { consumerKill } from './consumer-kill.ts'
import { diskFull } from './disk-full.ts'
import { leaderLoss } from './leader-loss.ts'
import { poisonFlood } from './poison-flood.ts'
import { postgresDown } from './postgres-down.ts'
import { rebalance } from './rebalance.ts'
import { registryDown } from './registry-down.ts'
import type { ChaosCase } from './types.ts'

export const cases: ChaosCase[] = [
  brokerKill,
  consumerKill,
  rebalance,
  leaderLoss,
  registryDown,
  postgresDown,
  poisonFlood,
  diskFull,
]

/** Rows of issue 9 §4 that no module measures yet: name and what must hold. Never give these numbers. */
export const plannedCases: { fault: string; mustHold: string }[] = []
