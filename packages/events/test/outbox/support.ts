// Helpers shared by the outbox tests. Not a test file itself.
import { v7 as uuidv7 } from 'uuid'
import type { Database } from '../../src/db/index.ts'
import { enqueueOutboxEvent, type OutboxLogger, type OutboxRelay } from '../../src/outbox/index.ts'

export interface LogLine {
  level: 'info' | 'warn' | 'error'
  message: string
  fields: object
}

/** Keeps log lines for assertions instead of printing them. */
export function captureLogger(): OutboxLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  }
}

/** Fast timings so tests take milliseconds per cycle rather than the production defaults. */
export const fastRelay = {
  pollIntervalMs: 20,
  batchSize: 7,
  backoff: { initialDelayMs: 5, multiplier: 2, maxDelayMs: 40, jitter: 0.5 },
}

/** Enqueues `perKey` events for each of `keys` keys, interleaved, one committed transaction each. */
export async function enqueueSequences(db: Database, topic: string, keys: number, perKey: number): Promise<string[]> {
  const eventIds: string[] = []
  for (let seq = 0; seq < perKey; seq++) {
    for (let k = 0; k < keys; k++) {
      const eventId = uuidv7()
      eventIds.push(eventId)
      await db.transaction((tx) =>
        enqueueOutboxEvent(tx, {
          eventId,
          topic,
          key: `user-${k}`,
          eventType: 'user_updated',
          payload: { seq, user: `user-${k}` },
          headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
        }),
      )
    }
  }
  return eventIds
}

/** Asserts that, per key, the first sighting of every seq is in increasing order and nothing is missing. */
export function assertOrderPerKey(
  received: { key: string; seq: number; eventId: string }[],
  keys: number,
  perKey: number,
) {
  const seen = new Set<string>()
  const nextSeq = new Map<string, number>()
  for (const item of received) {
    if (seen.has(item.eventId)) continue
    seen.add(item.eventId)
    const expected = nextSeq.get(item.key) ?? 0
    if (item.seq !== expected) throw new Error(`key ${item.key}: got seq ${item.seq}, expected ${expected}`)
    nextSeq.set(item.key, expected + 1)
  }
  for (let k = 0; k < keys; k++) {
    const got = nextSeq.get(`user-${k}`) ?? 0
    if (got !== perKey) throw new Error(`key user-${k}: ${got} of ${perKey} events arrived`)
  }
}

/** Starts the relay, waits until nothing is pending (at most 5 s), and stops it whatever happened. */
export async function runUntilDrained(relay: OutboxRelay): Promise<void> {
  relay.start()
  try {
    await relay.drain(5_000)
  } finally {
    await relay.stop()
  }
}
