// Start-up checks of the topics a consumer needs, and the gauges read from the broker (lag, DLQ depth).
import { deadLetterTopicOf } from '../dlq/options.ts'
import { GrimError } from '../errors.ts'
import type { KafkaAdmin } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
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
