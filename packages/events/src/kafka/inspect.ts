// Read-mostly cluster inspection for operator tools (the console and the grimos CLI): brokers, topic layout and
// configs, offsets by time, consumer groups with their committed offsets, and an offset reset. Every broker
// answer is input: lists are taken as they come but never trusted to be complete or well-formed.
import { Admin, ConfigResourceTypes, ConfigSources, murmur2 } from '@platformatic/kafka'
import { type ConnectionOptions, connection, principalOf } from './connection.ts'
import { kafkaError } from './errors.ts'

export interface BrokerInfo {
  id: number
  host: string
  port: number
  rack: string | null
}

export interface PartitionLayout {
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}

export interface ClusterInfo {
  clusterId: string
  controllerId: number
  brokers: BrokerInfo[]
  /** Topic name to its partitions, in partition order. */
  topics: Map<string, PartitionLayout[]>
}

export interface TopicConfigs {
  configs: Record<string, string | null>
  /** Names set on the topic itself. */
  overrides: string[]
}

export interface GroupInfo {
  id: string
  state: string
  protocolType: string
}

export interface GroupMemberInfo {
  memberId: string
  clientId: string
  host: string
  assignments: { topic: string; partitions: number[] }[]
}

export interface GroupDescription extends GroupInfo {
  protocol: string
  members: GroupMemberInfo[]
}

export interface CommittedOffset {
  topic: string
  partition: number
  offset: bigint
}

/** A topic's partition count is what the Java client's partitioner divides by: the partition of `key`. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}

export class KafkaInspector {
  readonly #client: Admin
  readonly #principal: string

  constructor(options?: ConnectionOptions) {
    this.#principal = principalOf(options)
    this.#client = new Admin(connection(options))
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw kafkaError(`${what} failed`, error, { principal: this.#principal })
    }
  }

  /** Brokers and the layout of `topics` (default: every topic the principal may describe). */
  async cluster(topics?: string[]): Promise<ClusterInfo> {
    return this.#call('reading cluster metadata', async () => {
      const all = () => this.#client.listTopics({ includeInternals: true })
      // A topic that does not exist is absent from the answer, not a failure of the whole call.
      const names = topics ? await this.#known(topics, all) : await all()
      const metadata = await this.#client.metadata({ topics: names })
      const layout = new Map<string, PartitionLayout[]>()
      for (const [name, topic] of metadata.topics) {
        // A topic the principal may not describe, or one being deleted, comes back without partitions.
        if (!topic?.partitions) continue
        layout.set(
          name,
          topic.partitions.map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas, isr: p.isr })),
        )
      }
      return {
        clusterId: metadata.id,
        controllerId: metadata.controllerId,
        brokers: [...metadata.brokers].map(([id, b]) => ({ id, host: b.host, port: b.port, rack: b.rack ?? null })),
        topics: layout,
      }
    })
  }

  async #known(topics: string[], all: () => Promise<string[]>): Promise<string[]> {
    const existing = new Set(await all())
    return topics.filter((topic) => existing.has(topic))
  }

  /**
   * For each topic and partition, the offset ListOffsets answers for `timestamp`: -2 earliest, -1 latest, or a
   * time in ms (the first offset whose timestamp is at or after it; the log end when there is none).
   */
  async offsetsAt(
    topics: { topic: string; partitions: number[] }[],
    timestamp: bigint,
  ): Promise<Map<string, Map<number, bigint>>> {
    const result = new Map<string, Map<number, bigint>>()
    // Before 1970 is before every record: the earliest offset (the broker refuses other negative times).
    if (timestamp < -2n) return this.offsetsAt(topics, -2n)
    const wanted = topics.filter((t) => t.partitions.length > 0)
    if (wanted.length === 0) return result
    const answer = await this.#call('listing offsets', () =>
      this.#client.listOffsets({
        topics: wanted.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
        })),
      }),
    )
    const latest = timestamp >= 0n ? await this.offsetsAt(topics, -1n) : undefined
    for (const topic of answer) {
      const byPartition = new Map<number, bigint>()
      for (const p of topic.partitions) {
        // -1: no record at or after the time, i.e. the log end.
        byPartition.set(
          p.partitionIndex,
          p.offset < 0n ? (latest?.get(topic.name)?.get(p.partitionIndex) ?? 0n) : p.offset,
        )
      }
      result.set(topic.name, byPartition)
    }
    return result
  }

  async topicConfigs(topic: string): Promise<TopicConfigs> {
    const [description] = await this.#call(`describing configs of ${topic}`, () =>
      this.#client.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] }),
    )
    const configs: Record<string, string | null> = {}
    const overrides: string[] = []
    for (const config of description?.configs ?? []) {
      configs[config.name] = config.isSensitive ? null : (config.value ?? null)
      if (config.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG) overrides.push(config.name)
    }
    return { configs, overrides }
  }

  /** Bytes per `<topic>/<partition>`, summed over the replicas' log dirs; empty when the broker refuses. */
  async partitionSizes(topics: Map<string, PartitionLayout[]>): Promise<Map<string, number>> {
    const request = [...topics].map(([name, partitions]) => ({
      name,
      partitions: partitions.map((p) => p.partition),
    }))
    const sizes = new Map<string, number>()
    if (request.length === 0) return sizes
    const brokers = await this.#call('describing log dirs', () => this.#client.describeLogDirs({ topics: request }))
    for (const broker of brokers) {
      for (const dir of broker.results) {
        for (const topic of dir.topics) {
          for (const p of topic.partitions) {
            const key = `${topic.name}/${p.partitionIndex}`
            sizes.set(key, (sizes.get(key) ?? 0) + Number(p.partitionSize))
          }
        }
      }
    }
    return sizes
  }

  async groups(): Promise<GroupInfo[]> {
    const groups = await this.#call('listing consumer groups', () => this.#client.listGroups())
    return [...groups.values()].map((g) => ({ id: g.id, state: String(g.state), protocolType: g.protocolType }))
  }

  async describeGroups(ids: string[]): Promise<GroupDescription[]> {
    if (ids.length === 0) return []
    const groups = await this.#call('describing consumer groups', () => this.#client.describeGroups({ groups: ids }))
    return [...groups.values()].map((g) => ({
      id: g.id,
      state: String(g.state),
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: [...g.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        host: m.clientHost,
        assignments: [...(m.assignments?.values() ?? [])].map((a) => ({ topic: a.topic, partitions: a.partitions })),
      })),
    }))
  }

  /** Committed offsets per group (partitions the group never committed on are absent). */
  async committedOffsets(ids: string[]): Promise<Map<string, CommittedOffset[]>> {
    const result = new Map<string, CommittedOffset[]>()
    if (ids.length === 0) return result
    const groups = await this.#call('listing committed offsets', () =>
      this.#client.listConsumerGroupOffsets({ groups: ids }),
    )
    for (const group of groups) {
      const offsets: CommittedOffset[] = []
      for (const topic of group.topics) {
        for (const p of topic.partitions) {
          if (p.committedOffset >= 0n)
            offsets.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset })
        }
      }
      result.set(group.groupId, offsets)
    }
    return result
  }

  /** Commits `offsets` for the group (the broker refuses while the group has members). */
  async alterGroupOffsets(group: string, topic: string, offsets: { partition: number; offset: bigint }[]) {
    await this.#call(`resetting offsets of group ${group}`, () =>
      this.#client.alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: offsets }] }),
    )
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
