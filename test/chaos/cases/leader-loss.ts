// Leader loss in a 3-node cluster, as a case of `npm run chaos`: the measuring code is test/support/leader-loss.ts;
// this runs it in a child process (leader-loss-cluster.ts) against a cluster of its own, so the single-node stack the
// other cases use keeps running.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stackConfig } from '../../../infra/stack/config.ts'
import { type LeaderLossResult, leaderLoss as measured } from '../../support/leader-loss.ts'
import type { CaseSize, ChaosCase } from './types.ts'

/** The cluster's ports sit this far above this checkout's own, so both stacks can run side by side. */
const PORT_OFFSET = 200

export function clusterEnv(): NodeJS.ProcessEnv {
  const base = stackConfig.kafka.port + PORT_OFFSET
  const controller = stackConfig.kafka.controllerPort + PORT_OFFSET
  // The cluster has its own CA and passwords (in its own state dir): the child sets its admin's after `up`.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^KAFKA_(SECURITY_PROTOCOL|SASL_|SSL_)/.test(name)),
  )
  return {
    ...inherited,
    GRIMOS_STATE_DIR: join(stackConfig.stateDir, 'chaos-cluster'),
    GRIMOS_KAFKA_NODES: '3',
    GRIMOS_KAFKA_PORT: String(base),
    GRIMOS_KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_BOOTSTRAP_SERVERS: [0, 2, 4].map((step) => `127.0.0.1:${base + step}`).join(','),
  }
}

const child = fileURLToPath(new URL('../leader-loss-cluster.ts', import.meta.url))

export const leaderLoss: ChaosCase = {
  ...measured,
  method: `${measured.method} The cluster is the case's own (ports ${PORT_OFFSET} above the stack's, state in .grimos/chaos-cluster), started and stopped by it.`,
  // Starting and stopping three nodes comes on top of the stream.
  timeoutMs: { short: measured.timeoutMs.short + 60_000, full: measured.timeoutMs.full + 60_000 },
  run: (size, log) => runLeaderLoss(size, log),
}

/** Runs the case in its child process against its own cluster; the result with the case's own counts. */
export async function runLeaderLoss(size: CaseSize, log: (line: string) => void): Promise<LeaderLossResult> {
  const dir = mkdtempSync(join(tmpdir(), 'grimos-leader-loss-'))
  const out = join(dir, 'result.json')
  try {
    const code = await new Promise<number | string>((resolve) => {
      const proc = spawn(process.execPath, [child, size, out], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: clusterEnv(),
      })
      proc.on('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 1))
    })
    if (code !== 0) throw new Error(`the leader-loss cluster run ended with ${code}`)
    log('cluster run finished')
    return JSON.parse(readFileSync(out, 'utf8')) as LeaderLossResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
