import { DLQ_HEADERS, type IncomingRecord, partitionOfKey, REPLAY_HEADERS } from '@grimos/events'
import { validationFailed } from '@grimos/service-kit'
import type { TraceAnswer, TraceStep } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'
import type { RecordDecoder } from './decode.ts'
import { PRODUCED_BY_HEADER } from './produce.ts'

// Follows one event (by event_id) or one user's events across the topic, its retry topic, its DLQ, the DLQ's
// decisions (the compacted status topic) and the replayed copies. Reads are bounded: a window in time (an
// event id is a UUIDv7, which carries its creation time) and a total record budget shared by the topics.

const RETRY_ATTEMPT = 'grimos.retry.attempt'
const RETRY_ERROR = 'grimos.retry.last-error'
const DAY = 24 * 60 * 60 * 1000

export interface TraceRequest {
  eventId?: string
  userId?: string
  topic?: string
  from?: Date
  to?: Date
}

/** The creation time of a UUIDv7 (its first 48 bits), or undefined for another kind of id. */
export function uuidv7Time(id: string): Date | undefined {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.exec(id)
  if (!match) return undefined
  return new Date(Number.parseInt(`${match[1]}${match[2]}`, 16))
}

interface Found {
  record: IncomingRecord
  eventId: string | undefined
}

export async function trace(ops: Ops, decoder: RecordDecoder, request: TraceRequest): Promise<TraceAnswer> {
  if ((request.eventId === undefined) === (request.userId === undefined))
    throw validationFailed([
      { field: 'event_id', rule: 'oneOf', message: 'give event_id or user_id (one of them)', location: 'querystring' },
    ])
  const topic = request.topic ?? ops.options.userEventsTopic
  const born = request.eventId ? uuidv7Time(request.eventId) : undefined
  // A minute of clock skew between the publisher and the broker.
  const from = request.from ?? (born ? new Date(born.getTime() - 60_000) : new Date(Date.now() - 7 * DAY))
  const to = request.to ?? new Date()
  const budget = { left: ops.options.maxScan, truncated: false }
  const matches = (record: IncomingRecord) => {
    if (request.userId !== undefined) return record.key?.toString('utf8') === request.userId
    return record.headers.get('event_id')?.toString('utf8') === request.eventId
  }
  const existing = new Set(await ops.admin.listTopics())
  const scan = async (name: string) =>
    existing.has(name) ? read(ops, name, request.userId, from, to, budget, matches) : []
  const [main, retry, dlq] = [await scan(topic), await scan(`${topic}.retry`), await scan(`${topic}.dlq`)]
  const statuses = existing.has(`${topic}.dlq.status`) ? await decisions(ops, `${topic}.dlq.status`) : new Map()

  const steps: TraceStep[] = []
  const base = (f: Found) => ({
    at: new Date(Number(f.record.timestamp)).toISOString(),
    eventId: f.eventId ?? '?',
    eventType: f.record.headers.get('event_type')?.toString('utf8'),
    topic: f.record.topic,
    partition: f.record.partition,
    offset: String(f.record.offset),
  })
  const header = (f: Found, name: string) => f.record.headers.get(name)?.toString('utf8')
  const replayedBy = new Map<string, { by?: string; reason?: string }>()
  for (const f of dlq) {
    const status = statuses.get(`${f.record.partition}/${f.record.offset}`)
    steps.push({
      ...base(f),
      kind: 'dead-lettered',
      errorClass: header(f, DLQ_HEADERS.errorClass),
      error: header(f, DLQ_HEADERS.errorMessage),
      attempt: Number(header(f, DLQ_HEADERS.attempts) ?? 0) || undefined,
      detail: { consumerGroup: header(f, DLQ_HEADERS.consumerGroup) ?? '', status: status?.status ?? 'pending' },
    })
    if (status?.status === 'discarded')
      steps.push({ ...base(f), at: status.at, kind: 'discarded', by: status.by, detail: { reason: status.reason } })
    if (status?.status === 'replayed' && status.replayedTo) replayedBy.set(status.replayedTo, status)
  }
  for (const f of retry)
    steps.push({
      ...base(f),
      kind: 'retry',
      attempt: Number(header(f, RETRY_ATTEMPT) ?? 0) || undefined,
      error: header(f, RETRY_ERROR),
    })
  for (const f of main) {
    const from = header(f, REPLAY_HEADERS.replayedFrom)
    if (from) {
      const decision = replayedBy.get(`${f.record.topic}/${f.record.partition}/${f.record.offset}`)
      steps.push({
        ...base(f),
        kind: 'replayed',
        by: decision?.by,
        detail: { from, replayCount: header(f, REPLAY_HEADERS.replayCount) ?? '?', reason: decision?.reason ?? '' },
      })
    } else {
      const message = await decoder.decode(f.record)
      const metadata = (message.value as { metadata?: { source?: unknown } } | null)?.metadata
      const by = header(f, PRODUCED_BY_HEADER) ?? (typeof metadata?.source === 'string' ? metadata.source : undefined)
      steps.push({ ...base(f), kind: 'published', by })
    }
  }
  await markHandled(ops, steps)
  steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order(a.kind) - order(b.kind))
  return { topic, steps, scanned: ops.options.maxScan - budget.left, truncated: budget.truncated }
}

const kinds = ['published', 'replayed', 'retry', 'dead-lettered', 'discarded', 'handled']
const order = (kind: string) => kinds.indexOf(kind)

/** A publish or replay is handled once the consumer group committed past it and nothing failed after it. */
async function markHandled(ops: Ops, steps: TraceStep[]): Promise<void> {
  const group = ops.options.consumerGroup
  const committed = (await ops.inspector.committedOffsets([group])).get(group) ?? []
  const byEvent = new Map<string, TraceStep[]>()
  for (const step of steps) byEvent.set(step.eventId, [...(byEvent.get(step.eventId) ?? []), step])
  for (const list of byEvent.values()) {
    const sends = list.filter((s) => s.kind === 'published' || s.kind === 'replayed')
    const last = sends.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1)
    if (!last || last.offset === undefined) continue
    const failedAfter = list.some(
      (s) => (s.kind === 'dead-lettered' || s.kind === 'retry') && Date.parse(s.at) >= Date.parse(last.at),
    )
    const done = committed.find((c) => c.topic === last.topic && c.partition === last.partition)
    if (!failedAfter && done && done.offset > BigInt(last.offset))
      steps.push({
        ...last,
        kind: 'handled',
        by: undefined,
        detail: { group, committedOffset: String(done.offset) },
      })
  }
}

async function read(
  ops: Ops,
  topic: string,
  userId: string | undefined,
  from: Date,
  to: Date,
  budget: { left: number; truncated: boolean },
  matches: (record: IncomingRecord) => boolean,
): Promise<Found[]> {
  const layout = (await ops.inspector.cluster([topic])).topics.get(topic) ?? []
  const partitions = userId === undefined ? layout.map((p) => p.partition) : [partitionOfKey(userId, layout.length)]
  const asked = [{ topic, partitions }]
  const [start, end] = await Promise.all([
    ops.inspector.offsetsAt(asked, BigInt(from.getTime())),
    ops.inspector.offsetsAt(asked, BigInt(to.getTime()) + 1n),
  ])
  const found: Found[] = []
  for (const partition of partitions) {
    const first = start.get(topic)?.get(partition) ?? 0n
    let until = end.get(topic)?.get(partition) ?? first
    if (until - first > BigInt(budget.left)) {
      until = first + BigInt(budget.left)
      budget.truncated = true
    }
    if (until <= first) continue
    budget.left -= Number(until - first)
    for await (const record of ops.reader.read(topic, [{ partition, from: first, until }]))
      if (matches(record)) found.push({ record, eventId: record.headers.get('event_id')?.toString('utf8') })
  }
  return found
}

interface Decision {
  status: string
  at: string
  by?: string
  reason?: string
  replayedTo?: string
}

/** The DLQ's decisions (compacted topic, one partition, small), latest per record. */
async function decisions(ops: Ops, topic: string): Promise<Map<string, Decision>> {
  const [offsets] = await ops.admin.partitionOffsets(topic)
  const result = new Map<string, Decision>()
  if (!offsets) return result
  const from = offsets.high - offsets.low > 100_000n ? offsets.high - 100_000n : offsets.low
  for await (const record of ops.reader.read(topic, [{ partition: 0, from, until: offsets.high }])) {
    const key = record.key?.toString('utf8')
    if (!key || !record.value) continue
    try {
      result.set(key, JSON.parse(record.value.toString('utf8')) as Decision)
    } catch {
      // A status record that is not JSON was not written by the library; the timeline goes on without it.
      result.delete(key)
    }
  }
  return result
}
