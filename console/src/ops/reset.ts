import { consoleError } from '../errors.ts'
import type { ResetOffsetsAnswer } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'

export interface ResetRequest {
  group: string
  topic: string
  to: 'earliest' | 'latest' | 'timestamp' | 'offset'
  timestamp?: Date
  offset?: bigint
  partitions?: number[]
  dryRun: boolean
}

const idle = new Set(['EMPTY', 'DEAD'])

/**
 * Computes (and unless dryRun, commits) new offsets of `group` on `topic`. Kafka takes offset commits from
 * outside a group only while it has no members; a live group is refused before anything is written.
 */
export async function resetOffsets(ops: Ops, request: ResetRequest): Promise<ResetOffsetsAnswer> {
  const { group, topic } = request
  const layout = (await ops.inspector.cluster([topic])).topics.get(topic)
  if (!layout || layout.length === 0) throw consoleError('CONSOLE_NOT_FOUND', `topic ${topic} does not exist`)
  const partitions = request.partitions ?? layout.map((p) => p.partition)
  const unknown = partitions.find((p) => p >= layout.length)
  if (unknown !== undefined)
    throw consoleError('CONSOLE_INPUT_INVALID', `partitions: ${topic} has no partition ${unknown}`)
  if (request.to === 'timestamp' && !request.timestamp)
    throw consoleError('CONSOLE_INPUT_INVALID', 'timestamp is required with to=timestamp')
  if (request.to === 'offset' && request.offset === undefined)
    throw consoleError('CONSOLE_INPUT_INVALID', 'offset is required with to=offset')
  const [described] = await ops.inspector.describeGroups([group])
  const state = described?.state.toUpperCase() ?? 'DEAD'
  if (!idle.has(state) || (described?.members.length ?? 0) > 0)
    throw consoleError(
      'CONSOLE_GROUP_ACTIVE',
      `group ${group} is ${described?.state} with ${described?.members.length} member(s): stop its consumers before resetting offsets`,
    )
  const asked = [{ topic, partitions }]
  const [low, high, committed] = await Promise.all([
    ops.inspector.offsetsAt(asked, -2n),
    ops.inspector.offsetsAt(asked, -1n),
    ops.inspector.committedOffsets([group]),
  ])
  const atTime =
    request.to === 'timestamp' && request.timestamp
      ? await ops.inspector.offsetsAt(asked, BigInt(request.timestamp.getTime()))
      : undefined
  const current = new Map((committed.get(group) ?? []).filter((c) => c.topic === topic).map((c) => [c.partition, c]))
  const changes = partitions.map((partition) => {
    const lo = low.get(topic)?.get(partition) ?? 0n
    const hi = high.get(topic)?.get(partition) ?? 0n
    const wanted =
      request.to === 'earliest'
        ? lo
        : request.to === 'latest'
          ? hi
          : request.to === 'timestamp'
            ? (atTime?.get(topic)?.get(partition) ?? hi)
            : (request.offset ?? lo)
    const to = wanted < lo ? lo : wanted > hi ? hi : wanted
    const from = current.get(partition)
    return { partition, from: from ? String(from.offset) : null, to }
  })
  if (!request.dryRun)
    await ops.inspector.alterGroupOffsets(
      group,
      topic,
      changes.map((c) => ({ partition: c.partition, offset: c.to })),
    )
  return {
    group,
    topic,
    applied: !request.dryRun,
    changes: changes.map((c) => ({ partition: c.partition, from: c.from, to: String(c.to) })),
  }
}
