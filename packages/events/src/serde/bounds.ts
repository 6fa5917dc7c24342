// The trust boundary of every consumer: a walk over a record's Avro bytes, with the WRITER's schema, that checks
// every length, count and index against the bytes left (and the configured limits) before avsc reads the record.
// avsc trusts array and map block counts: a 20-byte record claiming 2^31 items of `null` allocates until V8
// dies (file-ready reproduction: docs/upstream/avsc-collection-counts.md; the same flaw in Apache's JS SDK is apache/avro#3866).
// Once this walk passes, every count avsc sees is backed by bytes or capped, so its allocation is bounded.
// The walk allocates nothing and throws GRIM_DECODE_FAILED with the offset and the reason at the first violation.
import type avro from 'avsc'
import { GrimError, withoutStack } from '../errors.ts'

export interface DecodeLimits {
  /** Largest framed record (bytes) that is decoded at all. */
  maxRecordBytes: number
  /** Most items (array elements plus map entries) of one record, summed over all its arrays and maps. */
  maxItems: number
  /** Deepest nesting of records, arrays and maps. */
  maxDepth: number
}

interface Walk {
  buf: Buffer
  pos: number
  items: number
  depth: number
  limits: DecodeLimits
}

type Step = (walk: Walk) => void

/** Checks `payload` (the Avro body, without the 5-byte header) against a walker compiled for the writer's schema. */
export type BoundsCheck = (payload: Buffer, limits: DecodeLimits) => void

const compiledChecks = new WeakMap<avro.Type, BoundsCheck>()

/** The check for one writer type, compiled once (types are compiled once per schema id by the serde). */
export function boundsCheckFor(writerType: avro.Type): BoundsCheck {
  let check = compiledChecks.get(writerType)
  if (!check) {
    const step = compileStep(writerType, new Map())
    check = (payload, limits) => {
      const walk: Walk = { buf: payload, pos: 0, items: 0, depth: 0, limits }
      step(walk)
      if (walk.pos !== payload.length) fail(walk, `${payload.length - walk.pos} bytes of trailing data`)
    }
    compiledChecks.set(writerType, check)
  }
  return check
}

/** The first length, count or index that the bytes cannot back; the serde turns it into GRIM_DECODE_FAILED. */
export class BoundsViolation extends Error {
  override readonly name = 'BoundsViolation'
  readonly reason: string
  readonly offset: number
  constructor(reason: string, offset: number) {
    super(`${reason} at byte ${offset}`)
    this.reason = reason
    this.offset = offset
  }
}

function fail(walk: Walk, reason: string): never {
  throw withoutStack(() => new BoundsViolation(reason, walk.pos))
}

// Zig-zag varint as Avro writes int and long. Java rejects a long of more than 10 bytes, and so do we; doubles keep
// every value exact up to 2^53, beyond which a length or count is out of bounds anyway.
function readVarint(walk: Walk, maxBytes: number): number {
  const { buf } = walk
  let pos = walk.pos
  let value = 0
  let scale = 1
  let byte: number
  let count = 0
  do {
    if (pos >= buf.length) fail(walk, 'truncated varint')
    if (++count > maxBytes) fail(walk, `varint longer than ${maxBytes} bytes`)
    byte = buf[pos++] as number
    value += (byte & 0x7f) * scale
    scale *= 128
  } while (byte & 0x80)
  walk.pos = pos
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}

const readLong = (walk: Walk) => readVarint(walk, 10)
const readInt = (walk: Walk) => readVarint(walk, 5)

function need(walk: Walk, bytes: number, what: string): void {
  if (bytes > walk.buf.length - walk.pos) fail(walk, `${what} needs ${bytes} bytes, ${walk.buf.length - walk.pos} left`)
}

function skipLengthPrefixed(walk: Walk, what: string): void {
  const length = readLong(walk)
  if (length < 0) fail(walk, `negative ${what} length ${length}`)
  need(walk, length, what)
  walk.pos += length
}

const skipNothing: Step = () => {
  // null takes no bytes: nothing to check.
}
const skipInt: Step = (walk) => {
  readInt(walk)
}
const skipLong: Step = (walk) => {
  readLong(walk)
}
const skipString: Step = (walk) => skipLengthPrefixed(walk, 'string')
const skipBytes: Step = (walk) => skipLengthPrefixed(walk, 'bytes')
const skipBoolean: Step = (walk) => {
  need(walk, 1, 'boolean')
  if ((walk.buf[walk.pos] as number) > 1) fail(walk, `boolean byte ${walk.buf[walk.pos]}`)
  walk.pos++
}
const skipFixedSize =
  (size: number, what: string): Step =>
  (walk) => {
    need(walk, size, what)
    walk.pos += size
  }

function readIndex(walk: Walk, count: number, what: string): number {
  const index = readLong(walk)
  if (index < 0 || index >= count) fail(walk, `${what} index ${index} outside 0..${count - 1}`)
  return index
}

function enter(walk: Walk): void {
  if (++walk.depth > walk.limits.maxDepth) fail(walk, `nesting deeper than ${walk.limits.maxDepth}`)
}

/**
 * Array and map blocks: a count (negative: followed by the block's byte size) and that many items, until a zero
 * count. Every count is checked against the record's item budget and, when an item needs at least one byte,
 * against the bytes left, so the item loop is bounded before it starts.
 */
function blocks(item: Step, itemMinBytes: () => number, what: string): Step {
  return (walk) => {
    enter(walk)
    for (;;) {
      let count = readLong(walk)
      if (count === 0) break
      if (count < 0) {
        count = -count
        const size = readLong(walk)
        if (size < 0) fail(walk, `negative ${what} block size ${size}`)
        need(walk, size, `${what} block`)
      }
      if (count > walk.limits.maxItems - walk.items)
        fail(walk, `${what} of ${count} items exceeds the limit of ${walk.limits.maxItems} items per record`)
      const minBytes = itemMinBytes()
      if (minBytes > 0 && count * minBytes > walk.buf.length - walk.pos)
        fail(walk, `${what} claims ${count} items, ${walk.buf.length - walk.pos} bytes left`)
      walk.items += count
      for (let i = 0; i < count; i++) item(walk)
    }
    walk.depth--
  }
}

function compileStep(type: avro.Type, compiled: Map<avro.Type, Step>): Step {
  const known = compiled.get(type)
  if (known) return known
  const typeName = type.typeName
  if (typeName === 'record' || typeName === 'error') {
    // Registered before its fields, so a recursive schema refers back to it instead of recursing forever.
    const fieldSteps: Step[] = []
    const step: Step = (walk) => {
      enter(walk)
      for (let i = 0; i < fieldSteps.length; i++) (fieldSteps[i] as Step)(walk)
      walk.depth--
    }
    compiled.set(type, step)
    for (const field of (type as avro.types.RecordType).fields) fieldSteps.push(compileStep(field.type, compiled))
    return step
  }
  const step = compileLeafOrCollection(type, compiled)
  compiled.set(type, step)
  return step
}

function compileLeafOrCollection(type: avro.Type, compiled: Map<avro.Type, Step>): Step {
  const typeName = type.typeName
  switch (typeName) {
    case 'null':
      return skipNothing
    case 'boolean':
      return skipBoolean
    case 'int':
      return skipInt
    case 'long':
      return skipLong
    case 'float':
      return skipFixedSize(4, 'float')
    case 'double':
      return skipFixedSize(8, 'double')
    case 'string':
      return skipString
    case 'bytes':
      return skipBytes
    case 'fixed':
      return skipFixedSize((type as avro.types.FixedType).size, 'fixed')
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols.length
      return (walk) => {
        readIndex(walk, symbols, 'enum')
      }
    }
    case 'array': {
      const itemsType = (type as avro.types.ArrayType).itemsType
      const item = lazy(() => compileStep(itemsType, compiled))
      return blocks(
        item,
        memo(() => minBytes(itemsType, new Set())),
        'array',
      )
    }
    case 'map': {
      const valuesType = (type as avro.types.MapType).valuesType
      const value = lazy(() => compileStep(valuesType, compiled))
      const entry: Step = (walk) => {
        skipString(walk)
        value(walk)
      }
      return blocks(
        entry,
        memo(() => 1 + minBytes(valuesType, new Set())),
        'map',
      )
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branchTypes = (type as avro.types.UnwrappedUnionType).types
      const branches = branchTypes.map((branch) => lazy(() => compileStep(branch, compiled)))
      return (walk) => (branches[readIndex(walk, branches.length, 'union')] as Step)(walk)
    }
    default:
      if (typeName.startsWith('logical:')) return compileStep((type as avro.types.LogicalType).underlyingType, compiled)
      // A type this walk does not know could hide an unchecked length: refuse the schema rather than trust it.
      throw new GrimError('GRIM_DECODE_FAILED', `cannot bound-check Avro type ${typeName}`, {
        details: { typeName },
      })
  }
}

/** Compiles on first use: a recursive schema reaches a record while that record is still being compiled. */
function lazy(build: () => Step): Step {
  let step: Step | undefined
  return (walk) => {
    step ??= build()
    step(walk)
  }
}

function memo(compute: () => number): () => number {
  let value: number | undefined
  return () => {
    value ??= compute()
    return value
  }
}

/** The fewest bytes a value of `type` takes; a record met again while still open counts 0 (never an overestimate). */
function minBytes(type: avro.Type, open: Set<avro.Type>): number {
  const typeName = type.typeName
  switch (typeName) {
    case 'null':
      return 0
    case 'float':
      return 4
    case 'double':
      return 8
    case 'fixed':
      return (type as avro.types.FixedType).size
    case 'record':
    case 'error': {
      if (open.has(type)) return 0
      open.add(type)
      let total = 0
      for (const field of (type as avro.types.RecordType).fields) total += minBytes(field.type, open)
      open.delete(type)
      return total
    }
    default:
      if (typeName.startsWith('logical:')) return minBytes((type as avro.types.LogicalType).underlyingType, open)
      // boolean, int, long, string, bytes, enum, array, map, union: at least one byte each.
      return 1
  }
}
