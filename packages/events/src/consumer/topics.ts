// Start-up checks of the topics a consumer needs, the gauges read from the broker (lag, DLQ depth), and the
// retry backlog that gates a partition after an assignment.
import type { Logger } from 'pino'
import { deadLetterTopicOf } from '../dlq/options.ts'
import { GrimError } from '../errors.ts'
import type { KafkaAdmin, KafkaGroupConsumer } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import { sleep } from '../sleep.ts'
import { retryTopicOf } from './options.ts'
import type { PartitionPair } from './pair.ts'

/**
 * Creates a missing source topic with the standard layout (a consumer may start before any producer, e.g. on a
 * fresh stack), then `<topic>.retry` with the source's partition count, or checks an existing one has it: a
 * key's retry records must land on its source partition number (docs/consumer.md, "Why `<topic>` and
 * `<topic>.retry` are co-partitioned").
 */
export async function ensureRetryTopics(
  admin: KafkaAdmin,
  topics: string[],
  layout: { replicationFactor?: number; minInsyncReplicas?: number },
): Promise<void> {
  const existing = new Set(await admin.listTopics())
  for (const topic of topics) {
    if (!existing.has(topic)) await admin.ensureTopic(topic, layout)
    const partitions = (await admin.partitionOffsets(topic)).length
    const retryTopic = retryTopicOf(topic)
    if (!existing.has(retryTopic)) {
      await admin.ensureTopic(retryTopic, { partitions, ...layout })
      continue
    }
    const retryPartitions = (await admin.partitionOffsets(retryTopic)).length
    if (retryPartitions !== partitions)
      throw new GrimError(
        'GRIM_CONFIG_INVALID',
        `retry topic ${retryTopic} has ${retryPartitions} partitions but ${topic} has ${partitions}: they must match so a key's records meet in one consumer`,
        { details: { topic, retryTopic, partitions, retryPartitions } },
      )
  }
}

/** Lag (log end minus our last commit) of every assigned partition, and the depth of each DLQ. */
export async function refreshGauges(
  admin: KafkaAdmin,
  metrics: ConsumerMetrics,
  topics: string[],
  pairs: PartitionPair[],
): Promise<void> {
  const existing = new Set(await admin.listTopics())
  for (const source of topics) {
    const mine = pairs.filter((pair) => pair.topic === source)
    for (const [topic, trackerOf] of [
      [source, (pair: PartitionPair) => pair.main],
      [retryTopicOf(source), (pair: PartitionPair) => pair.retry],
    ] as const) {
      if (mine.length === 0 || !existing.has(topic)) continue
      const ends = await admin.partitionOffsets(topic)
      for (const pair of mine) {
        const committed = trackerOf(pair).committed
        const end = ends.find((e) => e.partition === pair.partition)
        if (end && committed !== undefined)
          metrics.lag.set({ topic, partition: String(pair.partition) }, Number(end.high - committed))
      }
    }
    const dlq = deadLetterTopicOf(source)
    if (!existing.has(dlq)) continue
    const ends = await admin.partitionOffsets(dlq)
    metrics.dlqDepth.set(
      { topic: dlq },
      ends.reduce((sum, e) => sum + Number(e.high - e.low), 0),
    )
  }
}

/**
 * Per partition of `<topic>.retry`: where this group reads it from and its last record from before now, if any
 * (what gates the main partition after an assignment, docs/consumer.md).
 */
export async function retryBacklogs(
  admin: KafkaAdmin,
  consumer: Pick<KafkaGroupConsumer, 'committed'> | undefined,
  topic: string,
  partitions: number[],
  options: { fromBeginning: boolean },
): Promise<Map<number, { from: bigint; lastPending: bigint | undefined }>> {
  const retryTopic = retryTopicOf(topic)
  const ends = await admin.partitionOffsets(retryTopic)
  const committed = (await consumer?.committed(retryTopic, partitions)) ?? []
  const backlogs = new Map<number, { from: bigint; lastPending: bigint | undefined }>()
  for (const partition of partitions) {
    const end = ends.find((e) => e.partition === partition)
    const commit = committed[partition] ?? -1n
    const start = commit >= 0n ? commit : options.fromBeginning ? (end?.low ?? 0n) : (end?.high ?? 0n)
    const from = end && start < end.low ? end.low : start
    backlogs.set(partition, { from, lastPending: end && end.high > from ? end.high - 1n : undefined })
  }
  return backlogs
}

/**
 * Finds which retry partitions still hold records from before this assignment, and gates each new pair's main
 * partition until they are read (docs/consumer.md, "The gate after an assignment"). A failed read is tried
 * again, with growing waits, while the assignment lasts (`wanted`).
 */
export async function gateAfterAssignment(
  pairs: PartitionPair[],
  deps: {
    admin: KafkaAdmin
    consumer: () => Pick<KafkaGroupConsumer, 'committed'> | undefined
    fromBeginning: boolean
    logger: Logger
    wanted: () => boolean
    onError: (error: unknown, context: string) => void
  },
): Promise<void> {
  const byTopic = Map.groupBy(pairs, (pair) => pair.topic)
  for (let delay = 200; byTopic.size > 0 && deps.wanted(); delay = Math.min(delay * 2, 5_000)) {
    for (const [topic, topicPairs] of byTopic) {
      try {
        const partitions = topicPairs.map((pair) => pair.partition)
        const backlogs = await retryBacklogs(deps.admin, deps.consumer(), topic, partitions, deps)
        for (const pair of topicPairs) {
          const { from, lastPending } = backlogs.get(pair.partition) ?? {}
          deps.logger.debug({ topic, partition: pair.partition, from, lastPending }, 'retry backlog')
          pair.gateUntil(lastPending)
        }
        byTopic.delete(topic)
      } catch (error) {
        deps.onError(error, `reading the retry backlog of ${topic}`)
      }
    }
    if (byTopic.size > 0) await sleep(delay)
  }
}
