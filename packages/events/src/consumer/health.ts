import type { Logger } from 'pino'
import type { FetchDiscard } from '../kafka/index.ts'
import type { ConsumerMetrics } from '../metrics/consumer.ts'
import type { OutageInfo } from './outage.ts'
import type { ConsumerHealth } from './types.ts'

export interface HealthInputs {
  state: ConsumerHealth['details']['state']
  joined: boolean
  assignedPartitions: number
  bufferedRecords: number
  inFlightHandlers: number
  parkedKeys: number
  lastProgressAt: number | undefined
  /** When the consumer started running (progress before the first finished record). */
  runningSince: number
  lastError: string | undefined
  stallTimeoutMs: number
  now: number
  /** Dependencies records wait for (see outage.ts); none when omitted. */
  outages?: OutageInfo[]
}

/**
 * Live: the loop runs and work moves (handlers running with no record finished for `stallTimeoutMs` is a
 * stall; retries waiting for their due time run no handler, so they never look like one, and neither do records
 * waiting out a dependency outage: restarting would not bring the dependency back). Ready: in the group with an
 * assignment, possibly empty (more members than partitions), not shutting down, and no outage holding records.
 */
export function evaluateHealth(input: HealthInputs): ConsumerHealth {
  const outages = input.outages ?? []
  const lastActivity = Math.max(input.lastProgressAt ?? 0, input.runningSince)
  const stalled = outages.length === 0 && input.inFlightHandlers > 0 && input.now - lastActivity > input.stallTimeoutMs
  const running = input.state === 'running'
  // Reconnecting waits for the broker: alive (a restart would not bring the broker back), but not ready.
  const alive = running || input.state === 'reconnecting'
  const ready = running && input.joined && outages.length === 0
  const notReadyReason = ready
    ? undefined
    : !running
      ? `consumer ${input.state}`
      : !input.joined
        ? 'not in the consumer group (joining or rebalancing)'
        : outages.map((o) => `${o.dependency} unavailable since ${o.since}`).join('; ')
  return {
    live: alive && !stalled,
    ready,
    details: {
      state: input.state,
      assignedPartitions: input.assignedPartitions,
      bufferedRecords: input.bufferedRecords,
      inFlightHandlers: input.inFlightHandlers,
      parkedKeys: input.parkedKeys,
      lastProgressAt: input.lastProgressAt === undefined ? undefined : new Date(input.lastProgressAt).toISOString(),
      lastError: input.lastError,
      outages,
      ...(notReadyReason === undefined ? {} : { notReadyReason }),
    },
  }
}

/** Counts and logs fetched data the fetch guard threw away (kafka/fetch-guard.ts); it is fetched again. */
export function reportFetchDiscard(
  { topic, partition, fetchedFrom, reason, expected }: FetchDiscard,
  deps: { metrics: ConsumerMetrics; logger: Logger },
  groupId: string,
): void {
  deps.metrics.fetchDiscards.inc({ reason })
  const fields = { groupId, topic, partition, fetchedFrom, expected }
  if (reason === 'stale')
    deps.logger.info(
      fields,
      'dropped records fetched for a position the consumer had left (a rejoin reset it); they are read again',
    )
  else
    deps.logger.warn(
      fields,
      'first records after a position reset skipped offsets; reading again from the reset offset',
    )
}
