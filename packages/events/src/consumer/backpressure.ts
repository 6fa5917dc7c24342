// When the consumer stops fetching and when it starts again: records and offsets held in memory are bounded.

/** How many offsets (finished or not) may sit behind a commit position, per allowed buffered record. */
const SPAN_FACTOR = 20

/** What a partition pair holds in memory (a PartitionPair fits). */
export interface BufferedPartition {
  /** Records received and not finished. */
  pending: number
  /** Offsets between the commit position and the newest one received. */
  span: number
  /** Waiting for its retry partition to be read. */
  gated: boolean
}

/** 'pause' or 'resume' fetching, or undefined to leave it as it is. */
export function backpressure(
  partitions: Iterable<BufferedPartition>,
  paused: boolean,
  maxBufferedRecords: number,
  running: boolean,
): 'pause' | 'resume' | undefined {
  let buffered = 0
  let span = 0
  let gated = false
  for (const partition of partitions) {
    buffered += partition.pending
    span += partition.span
    gated ||= partition.gated
  }
  // Finished offsets behind an unfinished one cost a few bytes each: allow many more of them than of records.
  const over = buffered > maxBufferedRecords || span > maxBufferedRecords * SPAN_FACTOR
  // A gated pair waits for its retry partition to be read: pausing then could wait forever.
  if (!paused && over && !gated) return 'pause'
  if (paused && buffered <= maxBufferedRecords / 2 && span <= (maxBufferedRecords * SPAN_FACTOR) / 2 && running)
    return 'resume'
  return undefined
}
