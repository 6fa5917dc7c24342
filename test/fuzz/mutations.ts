// Structure-aware mutations of valid Avro records: the fuzz campaign knows where each length, count and index
// sits in a record (by walking it with its schema), so it can aim at them instead of hoping a bit flip lands there.
import type avro from 'avsc'

export interface VarintField {
  start: number
  end: number
  kind: 'length' | 'count' | 'index'
}

/** Every varint of a VALID record that is a string/bytes length, an array/map block count, or a union/enum index. */
export function varintFields(type: avro.Type, payload: Buffer): VarintField[] {
  const fields: VarintField[] = []
  const cursor = { pos: 0 }
  walk(type, payload, cursor, fields)
  // A walk that does not end on the last byte misplaced its fields: every aimed mutation would miss.
  if (cursor.pos !== payload.length) throw new Error(`varintFields ended at ${cursor.pos} of ${payload.length}`)
  return fields
}

function readVarint(buf: Buffer, cursor: { pos: number }): number {
  let value = 0
  let scale = 1
  let byte: number
  do {
    byte = buf[cursor.pos++] ?? 0
    value += (byte & 0x7f) * scale
    scale *= 128
  } while (byte & 0x80)
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}

function note(buf: Buffer, cursor: { pos: number }, kind: VarintField['kind'], fields: VarintField[]): number {
  const start = cursor.pos
  const value = readVarint(buf, cursor)
  fields.push({ start, end: cursor.pos, kind })
  return value
}

function skipLength(buf: Buffer, cursor: { pos: number }, fields: VarintField[]): void {
  // Read first: `cursor.pos += note(...)` would add to the position from before the varint.
  const length = note(buf, cursor, 'length', fields)
  cursor.pos += length
}

function walk(type: avro.Type, buf: Buffer, cursor: { pos: number }, fields: VarintField[]): void {
  const name = type.typeName
  if (name === 'record') {
    for (const field of (type as avro.types.RecordType).fields) walk(field.type, buf, cursor, fields)
  } else if (name === 'string' || name === 'bytes') {
    skipLength(buf, cursor, fields)
  } else if (name === 'int' || name === 'long') {
    readVarint(buf, cursor)
  } else if (name === 'boolean') {
    cursor.pos += 1
  } else if (name === 'enum') {
    note(buf, cursor, 'index', fields)
  } else if (name.startsWith('union')) {
    const index = note(buf, cursor, 'index', fields)
    const branch = (type as avro.types.UnwrappedUnionType).types[index]
    if (branch) walk(branch, buf, cursor, fields)
  } else if (name === 'array' || name === 'map') {
    for (let count = note(buf, cursor, 'count', fields); count !== 0; count = note(buf, cursor, 'count', fields)) {
      if (count < 0) {
        count = -count
        readVarint(buf, cursor)
      }
      for (let i = 0; i < count; i++) {
        if (name === 'map') skipLength(buf, cursor, fields)
        const items =
          name === 'map' ? (type as avro.types.MapType).valuesType : (type as avro.types.ArrayType).itemsType
        walk(items, buf, cursor, fields)
      }
    }
  } else if (name.startsWith('logical:')) {
    walk((type as avro.types.LogicalType).underlyingType, buf, cursor, fields)
  } else if (name === 'float') cursor.pos += 4
  else if (name === 'double') cursor.pos += 8
  else if (name === 'fixed') cursor.pos += (type as avro.types.FixedType).size
}

/** Raw (already zig-zagged) unsigned varint bytes; lets a mutation write any 64-bit pattern, or an overlong one. */
export function rawVarint(unsigned: bigint, minBytes = 1): Buffer {
  const out: number[] = []
  let rest = unsigned
  do {
    let byte = Number(rest & 0x7fn)
    rest >>= 7n
    if (rest > 0n || out.length + 1 < minBytes) byte |= 0x80
    out.push(byte)
  } while (rest > 0n || out.length < minBytes)
  return Buffer.from(out)
}

export const zigzag = (value: bigint): bigint => (value >= 0n ? value * 2n : -value * 2n - 1n)

/** A small, fast, seeded generator (mulberry32): a failing input is reproduced from its seed and index. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Mutator {
  name: string
  mutate(framed: Buffer, fields: VarintField[], random: () => number): Buffer
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T

const HEADER = 5

/** The values every length field is set to: 0, −1, the remaining length + 1, 2^31, 2^63, and an 11-byte varint. */
function hostileValue(framed: Buffer, field: VarintField, random: () => number): Buffer {
  const remaining = BigInt(framed.length - field.end)
  const choice = Math.floor(random() * 6)
  if (choice === 0) return rawVarint(zigzag(0n))
  if (choice === 1) return rawVarint(zigzag(-1n))
  if (choice === 2) return rawVarint(zigzag(remaining + 1n))
  if (choice === 3) return rawVarint(zigzag(2n ** 31n))
  if (choice === 4) return rawVarint(2n ** 63n)
  return rawVarint(zigzag(1n), 11)
}

function splice(framed: Buffer, start: number, end: number, replacement: Buffer): Buffer {
  return Buffer.concat([framed.subarray(0, start), replacement, framed.subarray(end)])
}

function randomBytes(length: number, random: () => number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256)
  return bytes
}

export const mutators: Mutator[] = [
  {
    name: 'bit flips',
    mutate(framed, _fields, random) {
      const copy = Buffer.from(framed)
      const flips = 1 + Math.floor(random() * 8)
      for (let i = 0; i < flips; i++) {
        const at = HEADER + Math.floor(random() * (copy.length - HEADER))
        copy[at] = (copy[at] as number) ^ (1 << Math.floor(random() * 8))
      }
      return copy
    },
  },
  {
    name: 'truncation',
    mutate: (framed, _fields, random) =>
      framed.subarray(0, HEADER + 1 + Math.floor(random() * (framed.length - HEADER))),
  },
  {
    name: 'extension',
    mutate: (framed, _fields, random) => Buffer.concat([framed, randomBytes(1 + Math.floor(random() * 64), random)]),
  },
  {
    name: 'length field set to a hostile value',
    mutate(framed, fields, random) {
      const field = pick(fields, random)
      const at = { start: field.start + HEADER, end: field.end + HEADER, kind: field.kind }
      return splice(framed, at.start, at.end, hostileValue(framed, at, random))
    },
  },
  {
    name: 'every length field set to one hostile value',
    mutate(framed, fields, random) {
      let copy = framed
      // From the last field back, so earlier offsets stay valid while later ones are rewritten.
      const value = Math.floor(random() * 1_000)
      for (const field of [...fields].reverse()) {
        const at = { start: field.start + HEADER, end: field.end + HEADER, kind: field.kind }
        copy = splice(copy, at.start, at.end, hostileValue(copy, at, seededRandom(value)))
      }
      return copy
    },
  },
  {
    name: 'random bytes behind a valid schema id',
    mutate: (framed, _fields, random) =>
      Buffer.concat([framed.subarray(0, HEADER), randomBytes(Math.floor(random() * 256), random)]),
  },
  {
    name: 'slices duplicated or swapped (havoc)',
    mutate(framed, _fields, random) {
      const at = HEADER + Math.floor(random() * (framed.length - HEADER))
      const length = 1 + Math.floor(random() * 32)
      const slice = framed.subarray(at, at + length)
      const to = HEADER + Math.floor(random() * (framed.length - HEADER))
      return Buffer.concat([framed.subarray(0, to), slice, framed.subarray(to)])
    },
  },
]
