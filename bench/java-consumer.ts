// Reading Kafka's ConsumerPerformance output (kept apart from kafka-tools.ts, which the publish bench shares).

/**
 * Records per second from ConsumerPerformance's summary line, the `fetch.nMsg.sec` column: from the first fetch to
 * the last, the group join left out (its `nMsg.sec` counts the join).
 */
export function consumerPerformanceRate(stdout: string): number {
  const lines = stdout.trim().split('\n')
  const header = lines.findIndex((line) => line.includes('fetch.nMsg.sec'))
  const columns = lines[header]?.split(',').map((c) => c.trim()) ?? []
  const values = lines[header + 1]?.split(',').map((c) => c.trim()) ?? []
  const rate = Number(values[columns.indexOf('fetch.nMsg.sec')])
  if (header < 0 || !Number.isFinite(rate) || rate <= 0)
    throw new Error(`no summary in ConsumerPerformance's output:\n${stdout.slice(-500)}`)
  return rate
}
