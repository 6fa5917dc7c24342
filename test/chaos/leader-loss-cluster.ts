// Child process of the leader-loss case: brings up a 3-node Kafka cluster of its own (state under
// .grimos/chaos-cluster, ports 200 above this checkout's), runs the case against it, writes the result as JSON and
// takes the cluster down again. Its own process, because the stack and the library read ports and brokers from
// the environment once (the parent sets them for this child).
import { writeFileSync } from 'node:fs'
import { kafkaNodeNames } from '../../infra/stack/kafka.ts'
import { useAdminCredentials } from '../../infra/stack/security.ts'
import { down, up } from '../../infra/stack/stack.ts'
import { type CaseSize, leaderLoss } from '../support/leader-loss.ts'

const [size, out] = process.argv.slice(2) as [CaseSize, string]
const log = (line: string) => process.stderr.write(`[leader-loss] ${line}\n`)
let started: string[] = []
try {
  started = await up((line) => log(`cluster: ${line}`), kafkaNodeNames)
  // Its clients connect as the cluster's own admin (the library reads the environment at its first client).
  useAdminCredentials()
  writeFileSync(out, JSON.stringify(await leaderLoss.run(size, log)))
} finally {
  if (started.length) await down(started)
}
