// The decoder fuzz campaign: hostile inputs through the consumer's decode-and-validate path (decodeCached, then
// decode, exactly as the dispatcher calls them). For every input: only a GrimError may come out, within a time
// bound; over the run, the heap may not grow past a bound. `npm run fuzz` runs a million, `npm test` a slice.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  avroTypeFor,
  createUserEvent,
  USER_EVENT_TYPES,
  type UserEvent,
} from '../../packages/events/src/catalog/index.ts'
import { GrimError } from '../../packages/events/src/errors.ts'
import type { EventSerde } from '../../packages/events/src/serde/index.ts'
import { mutators, seededRandom, type VarintField, varintFields } from './mutations.ts'

export interface FuzzOptions {
  serde: EventSerde
  inputs: number
  seed: number
  /** An input slower than this fails the run. */
  maxInputMs: number
  /** Heap growth over the run (after GC at both ends) above this fails the run. */
  maxHeapGrowthBytes: number
  onProgress?: (done: number) => void
}

export interface FuzzFailure {
  index: number
  kind: string
  reason: string
  inputHex: string
}

export interface FuzzReport {
  inputs: number
  seconds: number
  accepted: number
  rejectedByCode: Record<string, number>
  byKind: Record<string, number>
  slowest: { ms: number; kind: string; inputHex: string }
  heapGrowthBytes: number
  /** All failures counted; the first few kept with their input. */
  failureCount: number
  failures: FuzzFailure[]
}

interface Seed {
  framed: Buffer
  fields: VarintField[]
}

// Ids no registry has handed out in a test run; each costs one 404 lookup, then the serde remembers it.
const UNKNOWN_IDS = Array.from({ length: 16 }, (_, i) => 2_000_000_000 + i)
const MAX_FAILURES_KEPT = 20

export async function seedRecords(serde: EventSerde): Promise<Seed[]> {
  const seeds: Seed[] = []
  for (const eventType of USER_EVENT_TYPES) {
    for (const variant of sampleVariants(eventType)) {
      const framed = await serde.encode(variant)
      seeds.push({ framed, fields: varintFields(avroTypeFor(eventType), framed.subarray(5)) })
    }
  }
  return seeds
}

const dataByType = {
  user_registered: { registration_method: 'self_signup' },
  user_updated: { changed_fields: ['full_name', 'email'] },
  user_deleted: { deleted_by: 'admin', reason: 'requested by the user' },
  user_login: { login_method: 'password', outcome: 'failure', failure_reason: 'bad password' },
  user_logout: { all_sessions: false, session_id: 'session-1' },
  user_password_changed: { changed_by: 'reset' },
  user_email_verified: { verified_email: 'ada@example.com' },
} as const

/** Two shapes per type: the bare minimum, and every optional field and several array items set. */
function sampleVariants(eventType: (typeof USER_EVENT_TYPES)[number]): UserEvent[] {
  const base = { email: 'ada@example.com', is_active: true, is_superuser: false, ...dataByType[eventType] }
  const minimal = { eventType, userId: 'user-1', userData: { ...base, roles: [] }, metadata: { source: 'fuzz' } }
  const full = {
    eventType,
    userId: 'user-2',
    userData: { ...base, full_name: 'Ada Lovelace', roles: ['user', 'admin', 'auditor'] },
    metadata: { source: 'fuzz', source_ip: '127.0.0.1', user_agent: 'fuzz/1.0', request_id: 'req-1' },
  }
  // The input type is a union over every event type; the data above fits the one asked for.
  return [createUserEvent(minimal as never), createUserEvent(full as never)]
}

function nextInput(seeds: Seed[], random: () => number): { kind: string; bytes: Buffer } {
  const roll = random()
  const seed = seeds[Math.floor(random() * seeds.length)] as Seed
  if (roll < 0.04) {
    const bytes = Buffer.allocUnsafe(5 + Math.floor(random() * 128))
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
    bytes[0] = 0
    bytes.writeUInt32BE(UNKNOWN_IDS[Math.floor(random() * UNKNOWN_IDS.length)] as number, 1)
    return { kind: 'random bytes behind an unknown schema id', bytes }
  }
  if (roll < 0.06) {
    const bytes = Buffer.from(seed.framed)
    bytes[0] = 1 + Math.floor(random() * 255)
    return { kind: 'wrong magic byte', bytes }
  }
  if (roll < 0.07) return { kind: 'valid record', bytes: seed.framed }
  const mutator = mutators[Math.floor(random() * mutators.length)]
  if (!mutator) throw new Error('no mutators')
  return { kind: mutator.name, bytes: mutator.mutate(seed.framed, seed.fields, random) }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

export async function fuzzDecoder(options: FuzzOptions): Promise<FuzzReport> {
  const { serde, inputs, maxInputMs } = options
  const seeds = await seedRecords(serde)
  const random = seededRandom(options.seed)
  // Warm-up: each unknown id costs one registry round trip, once; the timed loop then measures the decoder.
  for (const id of UNKNOWN_IDS) {
    const probe = Buffer.from([0, 0, 0, 0, 0, 0])
    probe.writeUInt32BE(id, 1)
    await serde.decode(probe).catch((error: unknown) => {
      if (!(error instanceof GrimError)) throw error
    })
  }
  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const report: FuzzReport = {
    inputs,
    seconds: 0,
    accepted: 0,
    rejectedByCode: {},
    byKind: {},
    slowest: { ms: 0, kind: '', inputHex: '' },
    heapGrowthBytes: 0,
    failureCount: 0,
    failures: [],
  }
  const started = performance.now()
  for (let index = 0; index < inputs; index++) {
    const { kind, bytes } = nextInput(seeds, random)
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1
    let ms = await timeDecode(serde, bytes, (outcome) => {
      if (outcome === 'accepted') report.accepted++
      else if (outcome instanceof GrimError)
        report.rejectedByCode[outcome.code] = (report.rejectedByCode[outcome.code] ?? 0) + 1
      else fail(report, index, kind, bytes, `threw ${(outcome as Error)?.name}: ${(outcome as Error)?.message}`)
    })
    // Two cores shared with a broker: a GC or a descheduling can stall any input. A slow input is slow every
    // time, so an outlier is measured again and judged by its fastest run.
    for (let retry = 0; retry < 3 && ms > maxInputMs; retry++) ms = Math.min(ms, await timeDecode(serde, bytes))
    if (ms > report.slowest.ms) report.slowest = { ms, kind, inputHex: bytes.toString('hex') }
    if (ms > maxInputMs) fail(report, index, kind, bytes, `took ${ms.toFixed(1)} ms (bound ${maxInputMs} ms)`)
    if (options.onProgress && index % 50_000 === 0) options.onProgress(index)
  }
  report.seconds = (performance.now() - started) / 1000
  collectGarbage()
  report.heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore
  if (report.heapGrowthBytes > options.maxHeapGrowthBytes)
    fail(report, inputs, 'whole run', Buffer.alloc(0), `heap grew ${report.heapGrowthBytes} bytes`)
  return report
}

/** Milliseconds one decode takes through the consumer's path; `outcome` hears whether it decoded or what it threw. */
async function timeDecode(
  serde: EventSerde,
  bytes: Buffer,
  outcome?: (result: 'accepted' | unknown) => void,
): Promise<number> {
  const before = performance.now()
  try {
    if (!serde.decodeCached(bytes)) await serde.decode(bytes)
    outcome?.('accepted')
  } catch (error) {
    outcome?.(error)
  }
  return performance.now() - before
}

function fail(report: FuzzReport, index: number, kind: string, bytes: Buffer, reason: string): void {
  report.failureCount++
  if (report.failures.length < MAX_FAILURES_KEPT)
    report.failures.push({ index, kind, reason, inputHex: bytes.subarray(0, 512).toString('hex') })
}
