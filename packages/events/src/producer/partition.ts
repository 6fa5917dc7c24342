// Which partition a key goes to, exactly as the Java client's default partitioner decides it:
// toPositive(murmur2(key bytes)) % partition count. Publishers in any language then put one user's events on the
// same partition. The hash is computed on the caller's thread while the batch is packed (the send worker is the
// bottleneck, and the client's own murmur2 works on BigInts); the client takes the modulo.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2) over `data[start, end)`, as a signed 32-bit int. */
export function murmur2(data: Uint8Array, start = 0, end = data.length): number {
  const length = end - start
  let h = SEED ^ length
  const whole = start + (length & ~3)
  for (let i = start; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  switch (length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: the Java original falls through on purpose
    case 3:
      h ^= (data[whole + 2] as number) << 16
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      h ^= (data[whole + 1] as number) << 8
    case 1:
      h ^= data[whole] as number
      h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** The Java default partitioner's hash before the modulo: non-negative, so `% partitions` is the partition. */
export function partitionHash(key: Uint8Array, start = 0, end = key.length): number {
  return murmur2(key, start, end) & 0x7fffffff
}
