import type { LagSample, Message, ThroughputSample } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'
import type { MessageBrowser, MessageFilter } from './messages.ts'

// Live numbers from offsets sampled periodically: records in per second from log end offsets, records out per
// second from the groups' committed offsets, lag per partition. The tail polls the log ends and reads what is
// new, at most `perPoll` records per partition per poll (a flood is shown thinned, with how much was skipped).

export async function sampleOffsets(ops: Ops) {
  const cluster = await ops.inspector.cluster()
  const asked = [...cluster.topics]
    .filter(([name]) => !name.startsWith('__'))
    .map(([topic, layout]) => ({ topic, partitions: layout.map((p) => p.partition) }))
  const ids = (await ops.inspector.groups()).map((g) => g.id)
  const [high, committed] = await Promise.all([
    ops.inspector.offsetsAt(asked, -1n),
    ops.inspector.committedOffsets(ids),
  ])
  const ends = new Map<string, bigint>()
  for (const [topic, partitions] of high)
    ends.set(
      topic,
      [...partitions.values()].reduce((a, b) => a + b, 0n),
    )
  const consumed = new Map<string, bigint>()
  for (const list of committed.values())
    for (const c of list) consumed.set(c.topic, (consumed.get(c.topic) ?? 0n) + c.offset)
  return { at: Date.now(), ends, consumed }
}

type Snapshot = Awaited<ReturnType<typeof sampleOffsets>>

/** Rates between two snapshots; a counter that went down (topic recreated, offsets reset) counts as 0. */
export function throughput(before: Snapshot, after: Snapshot): ThroughputSample {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001)
  const rate = (a: bigint | undefined, b: bigint | undefined) =>
    a === undefined || b === undefined || b < a ? 0 : Number(b - a) / seconds
  const names = new Set([...after.ends.keys(), ...after.consumed.keys()])
  const topics = [...names]
    .map((topic) => ({
      topic,
      inPerSec: rate(before.ends.get(topic), after.ends.get(topic)),
      outPerSec: rate(before.consumed.get(topic), after.consumed.get(topic)),
    }))
    .sort((a, b) => a.topic.localeCompare(b.topic))
  return {
    at: new Date(after.at).toISOString(),
    inPerSec: topics.reduce((sum, t) => sum + t.inPerSec, 0),
    outPerSec: topics.reduce((sum, t) => sum + t.outPerSec, 0),
    topics,
  }
}

export async function lagSample(ops: Ops, group: string): Promise<LagSample> {
  const committed = (await ops.inspector.committedOffsets([group])).get(group) ?? []
  const byTopic = new Map<string, number[]>()
  for (const c of committed) byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), c.partition])
  const high = await ops.inspector.offsetsAt(
    [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    -1n,
  )
  const partitions = committed.map((c) => {
    const end = high.get(c.topic)?.get(c.partition) ?? c.offset
    return { topic: c.topic, partition: c.partition, lag: end > c.offset ? Number(end - c.offset) : 0 }
  })
  return { at: new Date().toISOString(), group, lag: partitions.reduce((s, p) => s + p.lag, 0), partitions }
}

export interface TailOptions {
  topic: string
  partition?: number
  from?: Date
  filter: MessageFilter
  pollMs?: number
  perPoll?: number
  signal: AbortSignal
}

export type TailEvent = { type: 'message'; message: Message } | { type: 'skipped'; partition: number; count: number }

/** New records of a topic as they arrive, until `signal` aborts. */
export async function* tail(ops: Ops, browser: MessageBrowser, options: TailOptions): AsyncGenerator<TailEvent> {
  const pollMs = options.pollMs ?? 500
  const perPoll = BigInt(options.perPoll ?? 100)
  const windows = await browser.windows({
    topic: options.topic,
    partition: options.partition,
    from: options.from,
    order: 'oldest',
    filter: options.filter,
  })
  // Without `from`, start at the end: only what arrives from now on.
  const next = new Map(windows.map((w) => [w.partition, options.from ? w.start : w.end]))
  const partitions = [...next.keys()]
  while (!options.signal.aborted) {
    const high = (await ops.inspector.offsetsAt([{ topic: options.topic, partitions }], -1n)).get(options.topic)
    for (const partition of partitions) {
      let at = next.get(partition) ?? 0n
      const end = high?.get(partition) ?? at
      if (end - at > perPoll) {
        yield { type: 'skipped', partition, count: Number(end - at - perPoll) }
        at = end - perPoll
      }
      if (end > at) {
        const page = await browser.page({
          topic: options.topic,
          partition,
          offset: at,
          order: 'oldest',
          limit: Number(perPoll),
          filter: options.filter,
        })
        for (const message of page.messages.filter((m) => BigInt(m.offset) < end)) yield { type: 'message', message }
      }
      next.set(partition, end)
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, pollMs)
      options.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve(undefined)
        },
        { once: true },
      )
    })
  }
}
