import { type IncomingRecord, partitionOfKey } from '@grimos/events'
import { validationFailed } from '@grimos/service-kit'
import { consoleError } from '../errors.ts'
import type { Message, MessagePage } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'
import { RecordDecoder } from './decode.ts'
import { decodeCursor, encodeCursor } from './format.ts'

// Server-side paging: a page reads a bounded window of each chosen partition (ranges from ListOffsets, by time
// when asked), never the topic. Filters on key, event type and event id look at the key and the headers first;
// a record is decoded only when they cannot tell. The cursor is the next position per partition: for a
// partition whose matches did not all fit on the page, the first one left out, so nothing is skipped.

export interface MessageFilter {
  /** Record time bounds, inclusive (ms): offsets by time are a hint when timestamps are not in offset order. */
  fromMs?: number
  toMs?: number
  key?: string
  eventType?: string
  eventId?: string
  userId?: string
}

export interface PageRequest {
  topic: string
  partition?: number
  offset?: bigint
  from?: Date
  to?: Date
  order?: 'newest' | 'oldest'
  limit: number
  cursor?: string
  filter?: MessageFilter
}

interface Window {
  partition: number
  /** First offset of the window. */
  start: bigint
  /** One past its last offset. */
  end: bigint
}

const isFiltered = (f: MessageFilter) => [f.key, f.eventType, f.eventId, f.userId].some((v) => v !== undefined)

/** The grimOS topics are keyed by user id with the Java client's partitioner: a user lives on one partition. */
function keyedByUser(ops: Ops, topic: string): boolean {
  const main = ops.options.userEventsTopic
  return topic === main || topic === `${main}.retry` || topic === `${main}.dlq`
}

export class MessageBrowser {
  readonly #ops: Ops
  readonly decoder: RecordDecoder

  constructor(ops: Ops) {
    this.#ops = ops
    this.decoder = new RecordDecoder(ops.serde, ops.registry)
  }

  async partitionsOf(topic: string): Promise<number> {
    const layout = (await this.#ops.inspector.cluster([topic])).topics.get(topic)
    if (!layout || layout.length === 0) throw consoleError('CONSOLE_NOT_FOUND', `topic ${topic} does not exist`)
    return layout.length
  }

  /** Each chosen partition's window of offsets for this request, before the cursor is applied. */
  async windows(request: Omit<PageRequest, 'limit'>): Promise<Window[]> {
    const { topic, filter = {} } = request
    const count = await this.partitionsOf(topic)
    let partitions = [...Array(count).keys()]
    if (request.partition !== undefined) {
      if (request.partition >= count)
        throw validationFailed([
          { field: 'partition', rule: 'maximum', message: `${topic} has ${count} partitions`, location: 'querystring' },
        ])
      partitions = [request.partition]
    } else if (keyedByUser(this.#ops, topic) && (filter.userId ?? filter.key) !== undefined) {
      partitions = [partitionOfKey((filter.userId ?? filter.key) as string, count)]
    }
    const asked = [{ topic, partitions }]
    const inspector = this.#ops.inspector
    const [low, high, fromOffsets, toOffsets] = await Promise.all([
      inspector.offsetsAt(asked, -2n),
      inspector.offsetsAt(asked, -1n),
      request.from ? inspector.offsetsAt(asked, BigInt(request.from.getTime())) : undefined,
      // The first offset after `to`: records up to and including `to` are in.
      request.to ? inspector.offsetsAt(asked, BigInt(request.to.getTime()) + 1n) : undefined,
    ])
    return partitions.map((partition) => {
      let start = low.get(topic)?.get(partition) ?? 0n
      let end = high.get(topic)?.get(partition) ?? 0n
      const from = fromOffsets?.get(topic)?.get(partition)
      const to = toOffsets?.get(topic)?.get(partition)
      if (from !== undefined && from > start) start = from
      if (to !== undefined && to < end) end = to
      if (request.offset !== undefined) {
        if (request.order === 'oldest' && request.offset > start) start = request.offset
        if (request.order !== 'oldest' && request.offset < end) end = request.offset
      }
      return { partition, start, end: end < start ? start : end }
    })
  }

  async page(request: PageRequest): Promise<MessagePage> {
    const order = request.order ?? 'newest'
    const filter = { ...request.filter, fromMs: request.from?.getTime(), toMs: request.to?.getTime() }
    const windows = await this.windows({ ...request, order })
    const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor)
    if (request.cursor !== undefined && cursor === undefined)
      throw validationFailed([
        { field: 'cursor', rule: 'cursor', message: 'is not a nextCursor of this API', location: 'querystring' },
      ])
    // Position per partition: the next offset to read (oldest) or one past it (newest).
    const position = new Map<number, bigint>()
    for (const w of windows) {
      const at = cursor?.get(w.partition)
      if (cursor && at === undefined) continue
      const clamped = at === undefined ? (order === 'oldest' ? w.start : w.end) : clamp(at, w.start, w.end)
      position.set(w.partition, clamped)
    }
    const filtered = isFiltered(filter)
    // A filtered search reads big chunks (fewer fetches overshooting a chunk's end); a plain page what it shows.
    const chunk = BigInt(filtered ? 20_000 : request.limit)
    const matches = new Map<number, { offset: bigint; message: Message }[]>()
    let scanned = 0
    let found = 0
    const budget = this.#ops.options.maxScan
    const open = () =>
      windows.filter((w) => {
        const at = position.get(w.partition)
        return at !== undefined && (order === 'oldest' ? at < w.end : at > w.start)
      })
    // Rounds over the partitions, a chunk each, until the page is full, the windows are read or the budget spent.
    while (found < request.limit && scanned < budget) {
      const pending = open()
      if (pending.length === 0) break
      for (const w of pending) {
        const at = position.get(w.partition) as bigint
        const range =
          order === 'oldest'
            ? { partition: w.partition, from: at, until: min(at + chunk, w.end) }
            : { partition: w.partition, from: max(at - chunk, w.start), until: at }
        const records = await this.#read(request.topic, range)
        scanned += Number(range.until - range.from)
        if (order === 'newest') records.reverse()
        const list = matches.get(w.partition) ?? []
        for (const record of records) {
          const message = await this.#match(record, filter)
          if (message) list.push({ offset: record.offset, message })
        }
        matches.set(w.partition, list)
        position.set(w.partition, order === 'oldest' ? range.until : range.from)
      }
      found = [...matches.values()].reduce((n, l) => n + l.length, 0)
    }
    const all = [...matches.values()].flat()
    all.sort((a, b) => {
      const byTime = Date.parse(a.message.timestamp) - Date.parse(b.message.timestamp)
      return order === 'oldest' ? byTime : -byTime
    })
    const page = all.slice(0, request.limit)
    const shown = new Set(page)
    // Next position: the first match left out of the page, else where reading stopped.
    const next = new Map<number, bigint>()
    for (const [partition, at] of position) next.set(partition, at)
    for (const [partition, list] of matches) {
      const left = list.find((m) => !shown.has(m))
      if (left) next.set(partition, order === 'oldest' ? left.offset : left.offset + 1n)
    }
    const more = windows.some((w) => {
      const at = next.get(w.partition)
      return at !== undefined && (order === 'oldest' ? at < w.end : at > w.start)
    })
    return {
      topic: request.topic,
      messages: page.map((m) => m.message),
      ...(more && { nextCursor: encodeCursor(next) }),
      scanned,
      scanLimitReached: scanned >= budget && page.length < request.limit && more,
    }
  }

  async one(topic: string, partition: number, offset: bigint): Promise<Message> {
    const records = await this.#read(topic, { partition, from: offset, until: offset + 1n })
    const record = records.find((r) => r.offset === offset)
    if (!record) throw consoleError('CONSOLE_NOT_FOUND', `${topic} has no record at ${partition}/${offset}`)
    return this.decoder.decode(record)
  }

  async #read(topic: string, range: { partition: number; from: bigint; until: bigint }): Promise<IncomingRecord[]> {
    const records: IncomingRecord[] = []
    if (range.until <= range.from) return records
    for await (const record of this.#ops.reader.read(topic, [range])) records.push(record)
    return records
  }

  /** The decoded message when the record passes the filter; cheap checks first. */
  async #match(record: IncomingRecord, filter: MessageFilter): Promise<Message | undefined> {
    const time = Number(record.timestamp)
    if ((filter.fromMs !== undefined && time < filter.fromMs) || (filter.toMs !== undefined && time > filter.toMs))
      return undefined
    const header = (name: string) => record.headers.get(name)?.toString('utf8')
    const key = record.key?.toString('utf8')
    if (filter.key !== undefined && key !== filter.key) return undefined
    // A grimOS event carries its type and id in headers and is keyed by its user id: no decoding needed to refuse.
    const ours = header('event_id') !== undefined
    if (filter.eventType !== undefined && ours && header('event_type') !== filter.eventType) return undefined
    if (filter.eventId !== undefined && ours && header('event_id') !== filter.eventId) return undefined
    if (filter.userId !== undefined && ours && key !== filter.userId) return undefined
    const message = await this.decoder.decode(record)
    if (filter.eventType !== undefined && message.eventType !== filter.eventType) return undefined
    if (filter.eventId !== undefined && message.eventId !== filter.eventId) return undefined
    if (filter.userId !== undefined && message.userId !== filter.userId && key !== filter.userId) return undefined
    return message
  }
}

const min = (a: bigint, b: bigint) => (a < b ? a : b)
const max = (a: bigint, b: bigint) => (a > b ? a : b)
const clamp = (v: bigint, lo: bigint, hi: bigint) => max(lo, min(v, hi))
