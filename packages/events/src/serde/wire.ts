// The Confluent wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id (big-endian), then the
// Avro binary body. Any Confluent-compatible consumer (Java, Go, Python clients) reads what we write.
import { GrimError, withoutStack } from '../errors.ts'

export const MAGIC_BYTE = 0
export const HEADER_LENGTH = 5

export interface Unframed {
  schemaId: number
  payload: Buffer
}

export function frame(schemaId: number, payload: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(HEADER_LENGTH + payload.length)
  writeHeader(framed, schemaId)
  framed.set(payload, HEADER_LENGTH)
  return framed
}

/** Writes the 5-byte header at `offset` of `target` (used by the serde, which encodes the body in place). */
export function writeHeader(target: Buffer, schemaId: number, offset = 0): void {
  target[offset] = MAGIC_BYTE
  target.writeUInt32BE(schemaId, offset + 1)
}

/** Splits a framed record; the payload is a view, not a copy. */
export function unframe(bytes: Uint8Array | null | undefined): Unframed {
  if (!bytes || bytes.length === 0) throw decodeFailed('the record value is empty')
  if (bytes[0] !== MAGIC_BYTE)
    throw decodeFailed(`magic byte is ${bytes[0]}, expected ${MAGIC_BYTE} (not Confluent-framed Avro)`)
  if (bytes.length <= HEADER_LENGTH)
    throw decodeFailed(`only ${bytes.length} bytes, a framed record needs more than the ${HEADER_LENGTH}-byte header`)
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  return { schemaId: buffer.readUInt32BE(1), payload: buffer.subarray(HEADER_LENGTH) }
}

function decodeFailed(reason: string): GrimError {
  return withoutStack(() => new GrimError('GRIM_DECODE_FAILED', `cannot decode record: ${reason}`))
}
