// The registry calls the client library lacks (per-subject config, compatibility test, deletes) over node:http(s),
// not fetch: an https agent is how a private CA is trusted, and fetch takes none. A registry's answer is input
// like any other, so its size is bounded before it is read whole.
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** Far above any schema or config answer; a larger body is refused, not buffered. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024

export interface HttpAnswer {
  status: number
  text: string
}

export interface HttpCall {
  method: string
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  agent: HttpAgent | HttpsAgent
}

/** An agent for `url`'s scheme; with `ca`, https trusts that CA (and keeps the system's out). */
export function agentFor(url: string, ca: string | undefined): HttpAgent | HttpsAgent {
  return url.startsWith('https:') ? new HttpsAgent({ keepAlive: true, ca }) : new HttpAgent({ keepAlive: true })
}

export function httpCall(url: string, call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest
    const request = send(url, { method: call.method, headers: call.headers, agent: call.agent }, (response) => {
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_ANSWER_BYTES) {
          request.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`))
          return
        }
        chunks.push(chunk)
      })
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      )
      response.on('error', reject)
    })
    request.setTimeout(call.timeoutMs, () => {
      const timeout = new Error(`no answer within ${call.timeoutMs} ms`)
      timeout.name = 'TimeoutError'
      request.destroy(timeout)
    })
    request.on('error', reject)
    request.end(call.body)
  })
}

/** The Authorization header for `user:password` (basic) or `Bearer <token>`. */
export function authorizationHeader(auth: string | undefined): string | undefined {
  if (!auth) return undefined
  if (/^bearer\s+/i.test(auth)) return `Bearer ${auth.replace(/^bearer\s+/i, '')}`
  return `Basic ${Buffer.from(auth, 'utf8').toString('base64')}`
}
