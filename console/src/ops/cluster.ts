import { connect } from 'node:net'
import { consoleError } from '../errors.ts'
import type { GroupDetail, GroupList, Overview, TopicDetail, TopicList } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'

// Overview, topics and consumer groups, from the inspector's answers. Lag is log end minus committed offset.

/** Whether a broker's port accepts a TCP connection within a second (health as seen from the console). */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}

export async function overview(ops: Ops): Promise<Overview> {
  const [cluster, groups] = await Promise.all([ops.inspector.cluster(), ops.inspector.groups()])
  let partitions = 0
  let under = 0
  for (const layout of cluster.topics.values()) {
    partitions += layout.length
    under += layout.filter((p) => p.isr.length < p.replicas.length).length
  }
  const registry = await ops.registry.subjects().then(
    (subjects) => ({ url: ops.registry.url, healthy: true, subjects: subjects.length }),
    () => ({ url: ops.registry.url, healthy: false }),
  )
  return {
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    brokers: await Promise.all(
      cluster.brokers.map(async (b) => ({
        ...b,
        isController: b.id === cluster.controllerId,
        healthy: await reachable(b.host, b.port),
      })),
    ),
    topics: cluster.topics.size,
    partitions,
    underReplicatedPartitions: under,
    groups: groups.length,
    registry,
  }
}

async function offsets(ops: Ops, topics: { topic: string; partitions: number[] }[]) {
  const [low, high] = await Promise.all([ops.inspector.offsetsAt(topics, -2n), ops.inspector.offsetsAt(topics, -1n)])
  return { low, high }
}

export async function listTopics(ops: Ops): Promise<TopicList> {
  const cluster = await ops.inspector.cluster()
  const asked = [...cluster.topics].map(([topic, layout]) => ({ topic, partitions: layout.map((p) => p.partition) }))
  const [{ low, high }, sizes] = await Promise.all([
    offsets(ops, asked),
    ops.inspector.partitionSizes(cluster.topics).catch(() => undefined),
  ])
  const topics = [...cluster.topics].map(([name, layout]) => {
    let messages = 0n
    let size: number | null = sizes ? 0 : null
    for (const p of layout) {
      messages += (high.get(name)?.get(p.partition) ?? 0n) - (low.get(name)?.get(p.partition) ?? 0n)
      if (size !== null) size += sizes?.get(`${name}/${p.partition}`) ?? 0
    }
    return {
      name,
      internal: name.startsWith('__'),
      partitions: layout.length,
      replicationFactor: layout[0]?.replicas.length ?? 0,
      messages: String(messages),
      sizeBytes: size,
    }
  })
  topics.sort((a, b) => a.name.localeCompare(b.name))
  return { topics }
}

export async function topicDetail(ops: Ops, topic: string): Promise<TopicDetail> {
  const cluster = await ops.inspector.cluster([topic])
  const layout = cluster.topics.get(topic)
  if (!layout || layout.length === 0) throw consoleError('CONSOLE_NOT_FOUND', `topic ${topic} does not exist`)
  const asked = [{ topic, partitions: layout.map((p) => p.partition) }]
  const [{ low, high }, sizes, configs] = await Promise.all([
    offsets(ops, asked),
    ops.inspector.partitionSizes(new Map([[topic, layout]])).catch(() => undefined),
    ops.inspector.topicConfigs(topic),
  ])
  return {
    name: topic,
    internal: topic.startsWith('__'),
    partitions: layout.map((p) => ({
      ...p,
      low: String(low.get(topic)?.get(p.partition) ?? 0n),
      high: String(high.get(topic)?.get(p.partition) ?? 0n),
      sizeBytes: sizes?.get(`${topic}/${p.partition}`) ?? null,
    })),
    ...configs,
  }
}

/** Committed offsets and log ends of groups, as lag per partition. */
async function lagOf(ops: Ops, ids: string[]) {
  const committed = await ops.inspector.committedOffsets(ids)
  const byTopic = new Map<string, Set<number>>()
  for (const list of committed.values())
    for (const c of list) byTopic.set(c.topic, (byTopic.get(c.topic) ?? new Set()).add(c.partition))
  const asked = [...byTopic].map(([topic, set]) => ({ topic, partitions: [...set] }))
  const { low, high } = await offsets(ops, asked)
  return { committed, low, high }
}

export async function listGroups(ops: Ops): Promise<GroupList> {
  const groups = await ops.inspector.groups()
  const ids = groups.map((g) => g.id)
  const [described, { committed, high }] = await Promise.all([ops.inspector.describeGroups(ids), lagOf(ops, ids)])
  const members = new Map(described.map((d) => [d.id, d.members.length]))
  return {
    groups: groups
      .map((g) => {
        const list = committed.get(g.id) ?? []
        const lag = list.reduce(
          (sum, c) => sum + nonNegative((high.get(c.topic)?.get(c.partition) ?? 0n) - c.offset),
          0n,
        )
        return {
          id: g.id,
          state: g.state,
          protocolType: g.protocolType,
          members: members.get(g.id) ?? 0,
          topics: [...new Set(list.map((c) => c.topic))].sort(),
          lag: String(lag),
        }
      })
      .sort((a, b) => a.id.localeCompare(b.id)),
  }
}

const nonNegative = (v: bigint) => (v < 0n ? 0n : v)

export async function groupDetail(ops: Ops, group: string): Promise<GroupDetail> {
  const [described] = await ops.inspector.describeGroups([group])
  const { committed, low, high } = await lagOf(ops, [group])
  const list = committed.get(group) ?? []
  if (!described || (described.state.toUpperCase() === 'DEAD' && list.length === 0))
    throw consoleError('CONSOLE_NOT_FOUND', `consumer group ${group} does not exist`)
  const owner = new Map<string, string>()
  for (const m of described.members)
    for (const a of m.assignments) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, m.memberId)
  const partitions = list
    .map((c) => {
      const end = high.get(c.topic)?.get(c.partition) ?? 0n
      return {
        topic: c.topic,
        partition: c.partition,
        committed: String(c.offset),
        low: String(low.get(c.topic)?.get(c.partition) ?? 0n),
        high: String(end),
        lag: String(nonNegative(end - c.offset)),
        memberId: owner.get(`${c.topic}/${c.partition}`) ?? null,
      }
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  return {
    id: described.id,
    state: described.state,
    protocol: described.protocol,
    protocolType: described.protocolType,
    members: described.members,
    partitions,
    lag: String(partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n)),
  }
}
