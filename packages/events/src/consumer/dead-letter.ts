import type { DeadLetterSourceRecord } from '../dlq/writer.ts'
import type { IncomingRecord } from '../kafka/index.ts'
import { type RetryState, withoutRetryHeaders } from './retry-topic.ts'

/**
 * What the DLQ should name as the source: for a record back from the retry topic, the ORIGINAL topic,
 * partition and offset (from its retry headers) and its own headers without our retry bookkeeping; the
 * timestamp survives the detour because retry records are produced with the original one.
 */
export function deadLetterSourceOf(record: IncomingRecord, retryState: RetryState | undefined): DeadLetterSourceRecord {
  if (!retryState)
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      headers: record.headers,
      key: record.key,
      value: record.value,
    }
  return {
    topic: retryState.originalTopic,
    partition: retryState.originalPartition,
    offset: retryState.originalOffset,
    timestamp: record.timestamp,
    headers: withoutRetryHeaders(record.headers),
    key: record.key,
    value: record.value,
  }
}
