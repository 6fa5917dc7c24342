// Leader loss in a 3-node cluster (issue 9, chaos table): the library's KafkaProducer (idempotent, acks=all)
// writes a numbered stream to a topic with RF 3 and min.insync.replicas 2 while the node that leads its partition
// gets SIGKILL, stays dead, and is started again by infra/stack. Every acknowledged record must be in the log,
// failed sends must surface as GRIM_* errors, and the producer must carry on with the new leader.
// Shaped as a case of `npm run chaos` (test/chaos/cases/types.ts on the chaos branch); no node:test hooks here,
// so the same code runs under the test runner and outside it. Loopback only: it uses this checkout's stack.
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import { kafkaBootstrap as stackBootstrap, stackConfig } from '../../infra/stack/config.ts'
import { kafkaNodeName } from '../../infra/stack/kafka.ts'
import { isAlive, runningPid } from '../../infra/stack/processes.ts'
import { up } from '../../infra/stack/stack.ts'
import { GrimError } from '../../packages/events/src/errors.ts'
import { KafkaAdmin, KafkaProducer, KafkaRangeReader } from '../../packages/events/src/kafka/index.ts'
import type { CaseResult, CaseSize } from '../chaos/cases/types.ts'
import { uniqueName } from './index.ts'
import { rawClientSecurity } from './raw-client.ts'

export type { CaseResult, CaseSize }

/** What this case measures beyond the shared counts, for its own assertions. */
export interface LeaderLossResult extends CaseResult {
  attempted: number
  /** Acknowledged records found in the log at another offset than acknowledged. */
  misplaced: number
  failedSends: number
  /** Failed sends whose error was not a GrimError with a GRIM_* code. */
  untypedErrors: number
  /** From the SIGKILL to the first acknowledgment after it. */
  stallMs: number
  acksAfterKill: number
  /** Acknowledgments while the killed node was dead (2 of 3 in sync). */
  acksWhileDown: number
  /** After the restarted node answered again. */
  acksAfterRestart: number
  oldLeader: number
  newLeader: number
}

/** How long the node stays dead once leadership has moved: the cluster takes writes with 2 of 3 meanwhile. */
const deadAfterFailoverMs = 5_000
const intervalMs = 50
/** Producing spans about this long (plus the stall), so the kill and the restart fall inside the stream. */
const spanMs: Record<CaseSize, number> = { short: 30_000, full: 90_000 }
const bootstrapBrokers = stackBootstrap.split(',')

export const leaderLoss = {
  id: 'leader-loss',
  fault: 'leader loss in a 3-node cluster (SIGKILL of the partition leader mid-stream, restart)',
  mustHold:
    '0 acknowledged records lost with acks=all; failed sends reported as GRIM_* errors; the producer carries on',
  method:
    '`npm run stack -- up --nodes 3` (three KRaft nodes on loopback, each broker+controller). One `KafkaProducer` (idempotent, acks=all) sends numbered records in small batches every 50 ms, one send at a time, to a 1-partition topic with RF 3 and `min.insync.replicas` 2. After 20% of the stream the node leading the partition (found in the metadata) gets SIGKILL with its supervisor, so nothing restarts it; it stays dead 8 s while producing goes on, then `infra/stack` starts it again. Producing continues until the node is back in the ISR. Then the partition is read back: every acknowledged record must be at its acknowledged offset.',
  events: { short: 4_000, full: 40_000 } as Record<CaseSize, number>,
  timeoutMs: { short: 150_000, full: 300_000 } as Record<CaseSize, number>,
  run: (size: CaseSize, log: (line: string) => void): Promise<LeaderLossResult> => run(size, log),
}

/** Refuses to run unless this checkout's stack is a cluster of at least 3 nodes, all running. */
export function clusterProblem(): string | undefined {
  const { nodes } = stackConfig.kafka
  if (nodes.length < 3) return `the stack has ${nodes.length} Kafka node(s): run npm run stack -- up --nodes 3`
  const down = nodes.map(kafkaNodeName).filter((name) => runningPid(name) === undefined)
  if (down.length) return `Kafka nodes not running: ${down.join(', ')} (npm run stack -- up --nodes 3)`
  return undefined
}

/** Partition 0's leader and ISR, and the cluster's active controller. */
interface PartitionState {
  leader: number
  isr: number[]
  controller: number
}

async function partitionState(topic: string): Promise<PartitionState> {
  const admin = new Admin({
    clientId: 'grimos-leader-loss',
    bootstrapBrokers,
    retries: 0,
    timeout: 3_000,
    ...rawClientSecurity(),
  })
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    const partition = metadata.topics.get(topic)?.partitions[0]
    if (!partition) throw new Error(`no metadata for ${topic} partition 0`)
    return { leader: partition.leader, isr: partition.isr, controller: metadata.controllerId }
  } finally {
    await admin.close()
  }
}

/** Polls the partition's metadata (any live broker answers) until `ok` holds. */
async function waitForPartition(topic: string, ok: (s: PartitionState) => boolean, ms: number) {
  const deadline = Date.now() + ms
  let last: PartitionState | string = 'no answer yet'
  while (Date.now() < deadline) {
    try {
      last = await partitionState(topic)
      if (ok(last)) return last
    } catch (error) {
      // A broker that just died may still be asked first; the next poll asks again.
      last = (error as Error).message
    }
    await sleep(250)
  }
  throw new Error(`partition 0 of ${topic} did not reach the expected state in ${ms} ms: ${JSON.stringify(last)}`)
}

/** SIGKILL to the node's process group: the JVM and its supervisor, so the node stays dead until we restart it. */
async function killNode(name: string): Promise<void> {
  const pid = runningPid(name)
  if (pid === undefined) throw new Error(`${name} is not running (no live pid in .grimos/run)`)
  process.kill(-pid, 'SIGKILL')
  const deadline = Date.now() + 10_000
  while (isAlive(pid) && Date.now() < deadline) await sleep(20)
  if (isAlive(pid)) throw new Error(`${name} (pid ${pid}) is still alive 10 s after SIGKILL`)
}

async function readBack(topic: string): Promise<{ seq: number; offset: bigint }[]> {
  const admin = new KafkaAdmin({ clientId: 'grimos-leader-loss', bootstrapBrokers })
  const reader = new KafkaRangeReader({ clientId: 'grimos-leader-loss', bootstrapBrokers })
  try {
    const [range] = await admin.partitionOffsets(topic)
    if (!range) throw new Error(`no offsets for ${topic}`)
    const records: { seq: number; offset: bigint }[] = []
    for await (const record of reader.read(topic, [{ partition: 0, from: range.low, until: range.high }])) {
      records.push({ seq: Number(record.value?.toString()), offset: record.offset })
    }
    return records
  } finally {
    await Promise.all([admin.close(), reader.close()])
  }
}

async function run(size: CaseSize, log: (line: string) => void): Promise<LeaderLossResult> {
  const problem = clusterProblem()
  if (problem) throw new Error(problem)
  const started = performance.now()
  const total = leaderLoss.events[size]
  const batch = Math.max(1, Math.ceil(total / (spanMs[size] / intervalMs)))
  const topic = uniqueName('leader-loss')
  const admin = new KafkaAdmin({ clientId: 'grimos-leader-loss', bootstrapBrokers })
  const producer = new KafkaProducer({ clientId: 'grimos-leader-loss', bootstrapBrokers })
  let producing: Promise<void> | undefined
  // Set in `finally` too, so a failure mid-case never leaves the producing loop running.
  const flow = { stopped: false }
  try {
    await admin.ensureTopic(topic, { partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 })
    const before = await waitForPartition(topic, (s) => s.isr.length === 3, 30_000)
    const leaderNode = stackConfig.kafka.nodes.find((n) => n.id === before.leader)
    if (!leaderNode) throw new Error(`the leader, node ${before.leader}, is not a node of this stack`)
    const victim = kafkaNodeName(leaderNode)
    const wasController = before.controller === before.leader
    log(
      `topic ${topic}: leader node ${before.leader} (${victim}), ISR ${before.isr.join(',')}, controller node ${before.controller}; ${total} records, ${batch} per send`,
    )

    // seq -> offset the broker acknowledged; and when each acknowledgment arrived.
    const acked = new Map<number, bigint>()
    const ackTimes: number[] = []
    const errorCodes = new Map<string, number>()
    let attempted = 0
    let failedSends = 0
    let untypedErrors = 0
    let killAt = Number.POSITIVE_INFINITY
    let backAt = Number.POSITIVE_INFINITY
    let restartedAtFromKill = 0
    let faultOver = false
    const unacked: number[] = []

    const produce = async () => {
      while (!flow.stopped && (attempted < total || !faultOver)) {
        const seqs = Array.from({ length: batch }, (_, i) => attempted + i)
        attempted += batch
        try {
          const positions = await producer.send(
            seqs.map((seq) => ({ topic, key: `k-${seq % 16}`, value: Buffer.from(String(seq)) })),
          )
          const now = performance.now()
          // One position per partition, its base offset: the send's i-th record sits at base + i. Anything else
          // (-1: no position) then counts as misplaced.
          const base = positions.length === 1 ? (positions[0]?.offset ?? -1n) : -1n
          for (const [i, seq] of seqs.entries()) acked.set(seq, base < 0n ? -1n : base + BigInt(i))
          ackTimes.push(now)
        } catch (error) {
          failedSends++
          unacked.push(...seqs)
          const code = error instanceof GrimError && error.code.startsWith('GRIM_') ? error.code : 'untyped'
          if (code === 'untyped') untypedErrors++
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1)
          log(`send failed (${code}): ${(error as Error).message.slice(0, 200)}`)
        }
        await sleep(intervalMs)
      }
    }
    producing = produce()

    // The fault, alongside the stream.
    while (attempted < total * 0.2) await sleep(10)
    killAt = performance.now()
    await killNode(victim)
    log(`SIGKILL ${victim} after ${attempted} records`)
    const after = await waitForPartition(topic, (s) => s.leader !== before.leader && s.leader >= 0, 60_000)
    log(
      `new leader: node ${after.leader} after ${Math.round(performance.now() - killAt)} ms, ISR ${after.isr.join(',')}`,
    )
    await sleep(deadAfterFailoverMs)
    const restartedAt = performance.now()
    restartedAtFromKill = restartedAt - killAt
    await up(undefined, [victim])
    backAt = performance.now()
    log(`${victim} answers again ${Math.round(backAt - restartedAt)} ms after the restart began`)
    await waitForPartition(topic, (s) => s.isr.length === 3, 60_000)
    const rejoinMs = Math.round(performance.now() - restartedAt)
    log(`${victim} back in the ISR ${rejoinMs} ms after the restart began`)
    // Keep producing a moment with all three in sync, so "carried on" covers the restarted node too.
    await sleep(2_000)
    faultOver = true
    await producing

    const records = await readBack(topic)
    const copies = new Map<number, number>()
    const offsetOf = new Map<number, bigint>()
    for (const { seq, offset } of records) {
      copies.set(seq, (copies.get(seq) ?? 0) + 1)
      if (!offsetOf.has(seq)) offsetOf.set(seq, offset)
    }
    let lost = 0
    let misplaced = 0
    for (const [seq, offset] of acked) {
      if (!copies.has(seq)) lost++
      else if (offsetOf.get(seq) !== offset) misplaced++
    }
    const duplicates = [...copies.values()].reduce((sum, n) => sum + n - 1, 0)
    // Sends are sequential: acknowledged records must sit in the log in the order they were sent.
    let outOfOrder = 0
    let previous = -1
    for (const { seq } of records) {
      if (!acked.has(seq)) continue
      if (seq < previous) outOfOrder++
      previous = Math.max(previous, seq)
    }
    const firstAckAfterKill = ackTimes.find((t) => t > killAt)
    const stallMs = firstAckAfterKill === undefined ? Number.NaN : Math.round(firstAckAfterKill - killAt)
    const gaps = ackTimes.slice(1).map((t, i) => t - (ackTimes[i] ?? t))
    const unackedWritten = unacked.filter((seq) => copies.has(seq)).length
    const codes = [...errorCodes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none'
    return {
      injected: `SIGKILL of ${victim} (leader of the partition${wasController ? ', and the active controller' : ''}) after ${Math.round(killAt - started) / 1000} s; dead ${Math.round(restartedAtFromKill / 100) / 10} s, then restarted by infra/stack (back in the ISR ${rejoinMs / 1000} s later)`,
      events: acked.size,
      lost,
      doubledEffects: 0,
      redelivered: duplicates,
      inDlq: 0,
      outOfOrder,
      wallMs: Math.round(performance.now() - started),
      notes: [
        `producer stalled ${stallMs} ms from the SIGKILL to the first acknowledgment (longest gap between acks: ${Math.round(Math.max(0, ...gaps))} ms)`,
        `leader moved from node ${before.leader} to node ${after.leader}`,
        `${attempted} records attempted in sends of ${batch}, ${acked.size} acknowledged, ${failedSends} sends failed (${codes}); ${unackedWritten} of the ${unacked.length} unacknowledged records are in the log anyway`,
        `${misplaced} acknowledged records not at their acknowledged offset; ${duplicates} duplicate records in the log`,
        'no consumer in this case: doubledEffects and inDlq are 0 by construction',
      ],
      attempted,
      misplaced,
      failedSends,
      untypedErrors,
      stallMs,
      acksAfterKill: ackTimes.filter((t) => t > killAt).length,
      acksWhileDown: ackTimes.filter((t) => t > killAt && t < backAt).length,
      acksAfterRestart: ackTimes.filter((t) => t > backAt).length,
      oldLeader: before.leader,
      newLeader: after.leader,
    }
  } finally {
    flow.stopped = true
    // A send that throws is counted inside the loop, so the loop itself does not reject.
    await producing
    // Whatever happened, the killed node must not stay dead for the next test.
    await up(undefined, stackConfig.kafka.nodes.map(kafkaNodeName))
    await producer.close()
    await admin.deleteTopics([topic]).catch((error: Error) => log(`could not delete ${topic}: ${error.message}`))
    await admin.close()
  }
}
