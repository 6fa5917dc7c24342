import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const requestIdHeader = 'x-request-id'

// An incoming id is echoed into logs and events: only a short, plain token is trusted, anything else is replaced.
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/

/** Accepts the caller's `x-request-id` when it looks sane, else makes a new one. */
export function requestIdFrom(request: IncomingMessage): string {
  const incoming = request.headers[requestIdHeader]
  return typeof incoming === 'string' && acceptable.test(incoming) ? incoming : randomUUID()
}
