// A batch of records in the shape that crosses to the send worker cheaply: every value back to back in one
// buffer (transferred, not cloned) with the keys, and the header strings in one flat array. Cloning a thousand record
// objects, each with its own Buffer, would cost the caller's thread more than the encoding itself.
import type { OutgoingRecord } from '../kafka/index.ts'
import { partitionHash } from './partition.ts'

export interface PackedBatch {
  topic: string
  /** The keys' UTF-8 bytes back to back in `values`, before each record's value. */
  keyEnds: Uint32Array
  /** Each key's partition hash (partition.ts); the client takes it modulo the partition count (kafka/client-internals.ts A6). */
  partitions: Uint32Array
  /** Number of header pairs of each record. */
  headerCounts: Uint32Array
  /** Header names and values of every record, flattened: name, value, name, value, ... */
  headers: string[]
  values: Uint8Array
  /** End offset of each record's value in `values`. */
  valueEnds: Uint32Array
}

/**
 * Fills one growable buffer with values as they are written. `write` gets the buffer and the offset to write at
 * and returns the end, or minus the bytes missing (avsc's convention) so the buffer grows and it is called again.
 */
export class PackedBatchBuilder {
  readonly topic: string
  readonly #keyEnds: number[] = []
  readonly #partitions: number[] = []
  readonly #headerCounts: number[] = []
  readonly #headers: string[] = []
  readonly #valueEnds: number[] = []
  #values: Buffer
  #end = 0

  constructor(topic: string, expectedBytes = 64 * 1024) {
    this.topic = topic
    this.#values = Buffer.allocUnsafe(expectedBytes)
  }

  get size(): number {
    return this.#keyEnds.length
  }

  add(key: string, headers: Record<string, string>, write: (target: Buffer, offset: number) => number): void {
    // A key takes at most 3 bytes per UTF-16 unit.
    if (this.#end + key.length * 3 > this.#values.length) this.#grow(this.#end + key.length * 3)
    const keyStart = this.#end
    this.#end += this.#values.write(key, this.#end, 'utf8')
    this.#keyEnds.push(this.#end)
    this.#partitions.push(partitionHash(this.#values, keyStart, this.#end))
    let end = write(this.#values, this.#end)
    while (end < 0) {
      // Minus the bytes missing past the end of the buffer.
      this.#grow(this.#values.length - end)
      end = write(this.#values, this.#end)
    }
    this.#end = end
    this.#valueEnds.push(end)
    let pairs = 0
    for (const name in headers) {
      this.#headers.push(name, headers[name] as string)
      pairs++
    }
    this.#headerCounts.push(pairs)
  }

  #grow(minLength: number): void {
    const grown = Buffer.allocUnsafe(Math.max(minLength, this.#values.length * 2))
    this.#values.copy(grown, 0, 0, this.#end)
    this.#values = grown
  }

  build(): PackedBatch {
    // A fresh copy of the used part: its ArrayBuffer is transferred to the worker, so it must not be shared.
    const values = new Uint8Array(this.#end)
    values.set(this.#values.subarray(0, this.#end))
    return {
      topic: this.topic,
      keyEnds: Uint32Array.from(this.#keyEnds),
      partitions: Uint32Array.from(this.#partitions),
      headerCounts: Uint32Array.from(this.#headerCounts),
      headers: this.#headers,
      values,
      valueEnds: Uint32Array.from(this.#valueEnds),
    }
  }
}

/** The records of a packed batch, for the producer. Values are views on the batch buffer, not copies. */
export function unpackBatch(batch: PackedBatch, headerBuffers: HeaderBufferCache): OutgoingRecord[] {
  const count = batch.keyEnds.length
  const records: OutgoingRecord[] = new Array(count)
  const bytes = Buffer.from(batch.values.buffer, batch.values.byteOffset, batch.values.length)
  let start = 0
  let header = 0
  for (let i = 0; i < count; i++) {
    const keyEnd = batch.keyEnds[i] as number
    const end = batch.valueEnds[i] as number
    const headers = new Map<Buffer, Buffer>()
    for (let pair = 0; pair < (batch.headerCounts[i] as number); pair++, header += 2) {
      const name = batch.headers[header] as string
      headers.set(headerBuffers.nameBytes(name), headerBuffers.bytesOf(name, batch.headers[header + 1] as string))
    }
    records[i] = {
      topic: batch.topic,
      key: bytes.subarray(start, keyEnd),
      value: bytes.subarray(keyEnd, end),
      headers,
      partition: batch.partitions[i] as number,
    }
    start = end
  }
  return records
}

/**
 * Header names, and most header values, repeat record after record (event type, schema version, content type):
 * a name's bytes are made once, and the last value's bytes of each name are reused while the value stays the
 * same, one string comparison instead of an encode.
 */
export class HeaderBufferCache {
  readonly #last = new Map<string, { value: string; bytes: Buffer }>()
  readonly #names = new Map<string, Buffer>()

  nameBytes(name: string): Buffer {
    let bytes = this.#names.get(name)
    if (!bytes) {
      bytes = Buffer.from(name)
      this.#names.set(name, bytes)
    }
    return bytes
  }

  bytesOf(name: string, value: string): Buffer {
    const last = this.#last.get(name)
    if (last?.value === value) return last.bytes
    const bytes = Buffer.from(value)
    this.#last.set(name, { value, bytes })
    return bytes
  }
}
