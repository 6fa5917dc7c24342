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
}

/**
 * Live: the loop runs and work moves (handlers running with no record finished for `stallTimeoutMs` is a
 * stall; retries waiting for their due time run no handler, so they never look like one). Ready: in the group with an
 * assignment, possibly empty (more members than partitions), and not shutting down.
 */
export function evaluateHealth(input: HealthInputs): ConsumerHealth {
  const lastActivity = Math.max(input.lastProgressAt ?? 0, input.runningSince)
  const stalled = input.inFlightHandlers > 0 && input.now - lastActivity > input.stallTimeoutMs
  const running = input.state === 'running'
  return {
    live: running && !stalled,
    ready: running && input.joined,
    details: {
      state: input.state,
      assignedPartitions: input.assignedPartitions,
      bufferedRecords: input.bufferedRecords,
      inFlightHandlers: input.inFlightHandlers,
      parkedKeys: input.parkedKeys,
      lastProgressAt: input.lastProgressAt === undefined ? undefined : new Date(input.lastProgressAt).toISOString(),
      lastError: input.lastError,
    },
  }
}
