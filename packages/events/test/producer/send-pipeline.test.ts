import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { GrimError } from '../../src/errors.ts'
import type { OutgoingRecord, RecordPosition } from '../../src/kafka/index.ts'
import { type BatchOutcome, SendPipeline } from '../../src/producer/send-pipeline.ts'

const topic = 't'
const record = (key: string, partition: number): OutgoingRecord => ({ topic, key, value: Buffer.from(key), partition })
const tick = () => new Promise((resolve) => setImmediate(resolve))

/** A broker stand-in: each request waits until the test answers it. */
class FakeBroker {
  readonly requests: { records: OutgoingRecord[]; what: string; answer: (error?: Error) => void }[] = []
  readonly log: OutgoingRecord[] = []
  readonly offsets = new Map<number, bigint>()
  inFlight = 0
  maxSeen = 0
  readonly busy = new Map<number, number>()

  send = (records: OutgoingRecord[], what: string): Promise<RecordPosition[]> => {
    this.inFlight++
    this.maxSeen = Math.max(this.maxSeen, this.inFlight)
    const partitions = new Set(records.map((r) => r.partition as number))
    for (const p of partitions) {
      assert.ok(!this.busy.get(p), `partition ${p} is in two requests at once`)
      this.busy.set(p, 1)
    }
    return new Promise((resolve, reject) => {
      this.requests.push({
        records,
        what,
        answer: (error) => {
          this.inFlight--
          for (const p of partitions) this.busy.set(p, 0)
          if (error) return reject(error)
          const positions: RecordPosition[] = []
          for (const p of partitions) {
            const base = this.offsets.get(p) ?? 0n
            positions.push({ topic, partition: p, offset: base })
            this.offsets.set(p, base + BigInt(records.filter((r) => r.partition === p).length))
          }
          this.log.push(...records)
          resolve(positions)
        },
      })
    })
  }
}

function pipelineWith(broker: FakeBroker, count: number | undefined, maxInFlight = 2, maxRequestRecords = 3) {
  const outcomes: BatchOutcome[] = []
  const pipeline = new SendPipeline(
    { maxInFlight, maxRequestRecords, lingerMs: 0 },
    { send: broker.send, partitionCount: () => count, settled: (o) => outcomes.push(o) },
  )
  return { pipeline, outcomes }
}

test('requests go out side by side, a partition in one at a time; batches settle in order with per-batch offsets', async () => {
  const broker = new FakeBroker()
  const { pipeline, outcomes } = pipelineWith(broker, 4)
  pipeline.add(1, 'first', [record('a', 0), record('b', 1), record('c', 2), record('d', 3), record('a2', 0)])
  pipeline.add(2, 'second', [record('a3', 0), record('c2', 2)])
  // Two requests under way (maxRequestRecords 3): partitions 0 and 1 in one, 2 and 3 in the other.
  assert.equal(broker.requests.length, 2)
  assert.deepEqual(
    broker.requests.map((r) => r.records.map((x) => x.key)),
    [
      ['a', 'a2', 'b'],
      ['c', 'd'],
    ],
  )
  broker.requests[1]?.answer()
  await tick()
  // Partition 2 is free again, partition 0 is not: the second batch's record of partition 2 goes, not its 0.
  assert.deepEqual(
    broker.requests[2]?.records.map((x) => x.key),
    ['c2'],
  )
  assert.equal(outcomes.length, 0, 'the first batch waits for its partitions 0 and 1')
  broker.requests[0]?.answer()
  await tick()
  assert.deepEqual(
    outcomes.map((o) => o.id),
    [1],
  )
  assert.deepEqual(
    broker.requests[3]?.records.map((x) => x.key),
    ['a3'],
  )
  broker.requests[2]?.answer()
  broker.requests[3]?.answer()
  await tick()
  const second = outcomes[1]
  assert.ok(second?.ok)
  assert.deepEqual(
    second.positions.map((p) => [p.partition, p.offset]),
    [
      [0, 2n],
      [2, 1n],
    ],
  )
})

test('after a request fails, waiting chunks are held back, partly sent batches name their unsent records', async () => {
  const broker = new FakeBroker()
  const { pipeline, outcomes } = pipelineWith(broker, 2, 2, 1)
  pipeline.add(1, 'first', [record('a', 0), record('b', 1)])
  pipeline.add(2, 'second', [record('a2', 0), record('b2', 1)])
  assert.equal(broker.requests.length, 2)
  broker.requests[0]?.answer(new GrimError('GRIM_PUBLISH_FAILED', 'first failed after 3 attempt(s)'))
  await tick()
  // The second batch was waiting: held back at once, but it settles after the first, which still has b in flight.
  assert.equal(outcomes.length, 0)
  broker.requests[1]?.answer()
  await tick()
  assert.equal(outcomes.length, 2)
  const [first, second] = outcomes
  assert.ok(first && !first.ok && second && !second.ok)
  assert.deepEqual(first.unsent, [0])
  assert.match((first.error as Error).message, /first failed after/)
  assert.equal(second.unsent, undefined, 'none of the second batch was sent')
  assert.match((second.error as Error).message, /second held back: an earlier batch failed/)
  // Held back until resume; afterwards batches go out again.
  pipeline.add(3, 'third', [record('c', 0)])
  await tick()
  assert.equal(broker.requests.length, 2)
  pipeline.resume()
  pipeline.add(4, 'fourth', [record('d', 0)])
  assert.equal(broker.requests.length, 3)
})

test('an unknown partition count sends each batch alone', async () => {
  const broker = new FakeBroker()
  const { pipeline, outcomes } = pipelineWith(broker, undefined)
  pipeline.add(1, 'first', [record('a', 0)])
  pipeline.add(2, 'second', [record('b', 1)])
  assert.equal(broker.requests.length, 1)
  broker.requests[0]?.answer()
  await tick()
  assert.equal(broker.requests.length, 2)
  broker.requests[1]?.answer()
  await tick()
  assert.deepEqual(
    outcomes.map((o) => o.ok),
    [true, true],
  )
})

test('property: whatever fails when, per partition the broker gets records in order, and every record is sent or named unsent', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 8 }), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 4 }),
      async (batches, script, maxInFlight) => {
        const broker = new FakeBroker()
        const { pipeline, outcomes } = pipelineWith(broker, 6, maxInFlight, 5)
        let seq = 0
        const added: OutgoingRecord[][] = []
        for (const [id, partitions] of batches.entries()) {
          const records = partitions.map((p) => record(`k${seq++}`, p))
          added.push(records)
          pipeline.add(id, `batch ${id}`, records)
        }
        // Answer requests in a scripted order, some failing; resume after each failure.
        let step = 0
        while (outcomes.length < batches.length) {
          const open = broker.requests.filter((r) => !(r as { done?: boolean }).done)
          if (open.length === 0) {
            pipeline.resume()
            await tick()
            if (broker.requests.every((r) => (r as { done?: boolean }).done)) break
            continue
          }
          const [pick, fail] = script[step++ % script.length] as [number, boolean]
          const request = open[pick % open.length] as (typeof broker.requests)[number] & { done?: boolean }
          request.done = true
          request.answer(fail ? new Error('boom') : undefined)
          await tick()
        }
        assert.equal(outcomes.length, batches.length)
        assert.deepEqual(
          outcomes.map((o) => o.id),
          batches.map((_, i) => i),
        )
        // Per partition, what the broker got is a prefix of what was added, in order: nothing overtook a failed
        // record (all batches were added up front, so everything after a failure was held back).
        for (let p = 0; p < 6; p++) {
          const logged = broker.log.filter((r) => r.partition === p).map((r) => r.key)
          const all = added
            .flat()
            .filter((r) => r.partition === p)
            .map((r) => r.key)
          assert.deepEqual(logged, all.slice(0, logged.length))
        }
        // Every record is either in the log or named unsent by its batch.
        const sent = new Set(broker.log.map((r) => r.key))
        for (const outcome of outcomes) {
          const records = added[outcome.id] as OutgoingRecord[]
          const unsent = outcome.ok ? [] : (outcome.unsent ?? records.map((_, i) => i))
          for (const [i, r] of records.entries()) assert.equal(sent.has(r.key), !unsent.includes(i))
        }
      },
    ),
    { numRuns: 200 },
  )
})
