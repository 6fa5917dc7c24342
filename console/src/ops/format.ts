// How bytes from Kafka are shown: text when they are printable UTF-8, else `0x<hex>`; long values are cut.

const MAX_SHOWN_BYTES = 4096

export function printable(bytes: Buffer): string {
  const asText = bytes.toString('utf8')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we look for
  const clean = Buffer.from(asText, 'utf8').equals(bytes) && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(asText)
  return clean ? asText : hex(bytes)
}

export function hex(bytes: Buffer): string {
  const shown = bytes.subarray(0, MAX_SHOWN_BYTES).toString('hex')
  return `0x${shown}${bytes.length > MAX_SHOWN_BYTES ? '…' : ''}`
}

export function headersOf(headers: Map<string, Buffer>): Record<string, string> {
  const shown: Record<string, string> = {}
  for (const [name, value] of headers) shown[name] = printable(value)
  return shown
}

/** JSON of values holding bigints (offsets): decimal strings. */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), space)
}

/** An opaque cursor: partition to offset. */
export function encodeCursor(positions: Map<number, bigint>): string {
  return Buffer.from(JSON.stringify(Object.fromEntries([...positions].map(([p, o]) => [p, String(o)])))).toString(
    'base64url',
  )
}

/** Undefined when the text is no cursor of ours (the caller answers 400 naming the field). */
export function decodeCursor(cursor: string): Map<number, bigint> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
    const positions = new Map<number, bigint>()
    for (const [partition, offset] of Object.entries(parsed)) {
      if (!/^\d{1,10}$/.test(partition) || typeof offset !== 'string' || !/^\d{1,19}$/.test(offset)) return undefined
      positions.set(Number(partition), BigInt(offset))
    }
    return positions.size > 100_000 ? undefined : positions
  } catch {
    // Not base64url JSON: not a cursor this server made; the caller refuses it naming the field.
    return undefined
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
