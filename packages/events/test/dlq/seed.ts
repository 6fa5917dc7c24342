// Helpers for the DLQ tests: real records on a real source topic, dead-lettered by the real writer.

import { readRange } from '../../../../test/support/index.ts'
import { DeadLetterWriter } from '../../src/dlq/index.ts'
import { KafkaProducer } from '../../src/kafka/index.ts'

export { readAll, readRange } from '../../../../test/support/index.ts'

export interface SeedSpec {
  key: string
  value: Buffer
  headers?: Record<string, string>
  error: unknown
}

/** JSON stands in for Avro here: the queue only needs something with `decode(bytes)`. */
export const jsonDecoder = {
  decode: async (bytes: Buffer): Promise<unknown> => JSON.parse(bytes.toString('utf8')),
}

export function eventValue(eventType: string, eventId: string): Buffer {
  return Buffer.from(JSON.stringify({ event_type: eventType, event_id: eventId, user_id: 'u' }))
}

/** Produces each spec to `topic`, reads it back as a consumer would see it, and dead-letters it. */
export async function seedDeadLetters(topic: string, specs: SeedSpec[], consumerGroup = 'test-group') {
  const producer = new KafkaProducer({ clientId: 'dlq-test-seed' })
  const writer = new DeadLetterWriter({ connection: { clientId: 'dlq-test-writer' } })
  try {
    const dead = []
    for (const spec of specs) {
      const [position] = await producer.send([{ topic, key: spec.key, value: spec.value, headers: spec.headers }])
      if (!position) throw new Error('no position')
      const [record] = await readRange(topic, position.partition, position.offset, position.offset + 1n)
      if (!record) throw new Error('produced record not found')
      const now = new Date()
      dead.push(
        await writer.deadLetter(record, consumerGroup, {
          error: spec.error,
          attempts: 3,
          firstFailureAt: new Date(now.getTime() - 1000),
          lastFailureAt: now,
        }),
      )
    }
    return dead
  } finally {
    await Promise.all([producer.close(), writer.close()])
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
