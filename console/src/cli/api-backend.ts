import type { Message } from '../http/schemas/index.ts'
import type { Backend, Query } from './backend.ts'

// The CLI against a running console: one login (a session cookie and its CSRF token, as a browser has), then the
// same JSON API; the session ends when the command does. One password check per run, not one per request.

export class CliError extends Error {
  override readonly name = 'CliError'
}

const MAX_EVENT_BYTES = 4 * 1024 * 1024

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export class ApiBackend implements Backend {
  readonly mode = 'api' as const
  readonly #url: string
  readonly #username: string
  readonly #password: string
  #session: Promise<Record<string, string>> | undefined

  constructor(url: string, username: string, password: string) {
    this.#url = url.replace(/\/+$/, '')
    this.#username = username
    this.#password = password
  }

  /** The headers of the logged-in session: its cookie, and the CSRF token every write needs. */
  #headers(): Promise<Record<string, string>> {
    this.#session ??= (async () => {
      const response = await fetch(`${this.#url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: this.#username, password: this.#password }),
        signal: AbortSignal.timeout(30_000),
      })
      const answer = (await response.json()) as { csrfToken?: string; error?: { code: string; message: string } }
      if (!response.ok || !answer.csrfToken)
        throw new CliError(
          `logging in to ${this.#url} as ${this.#username} failed: ${answer.error?.code}: ${answer.error?.message}`,
        )
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      return { cookie, 'x-csrf-token': answer.csrfToken }
    })()
    return this.#session
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.#url + path, {
      method,
      headers: {
        ...(await this.#headers()),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    })
    if (response.status === 204) return undefined as T
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new CliError(`the console answered ${response.status} with no JSON: ${text.slice(0, 200)}`)
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } }).error
      throw new CliError(`${error?.code ?? response.status}: ${error?.message ?? text.slice(0, 200)}`)
    }
    return json as T
  }

  topics = () => this.#call<Awaited<ReturnType<Backend['topics']>>>('GET', '/api/topics')
  groups = () => this.#call<Awaited<ReturnType<Backend['groups']>>>('GET', '/api/groups')
  group = (id: string) =>
    this.#call<Awaited<ReturnType<Backend['group']>>>('GET', `/api/groups/${encodeURIComponent(id)}`)
  trace = (query: Query) => this.#call<Awaited<ReturnType<Backend['trace']>>>('GET', withQuery('/api/trace', query))
  dlqList = (topic: string, query: Query) =>
    this.#call<Awaited<ReturnType<Backend['dlqList']>>>('GET', withQuery(`/api/dlq/${topic}/records`, query))
  dlqInspect = (topic: string, partition: number, offset: string) =>
    this.#call<Awaited<ReturnType<Backend['dlqInspect']>>>('GET', `/api/dlq/${topic}/records/${partition}/${offset}`)
  dlqReplay = (topic: string, partition: number, offset: string, body: { force?: boolean; reason?: string }) =>
    this.#call<Awaited<ReturnType<Backend['dlqReplay']>>>(
      'POST',
      `/api/dlq/${topic}/records/${partition}/${offset}/replay`,
      body,
    )
  dlqReplayMany = (topic: string, body: Record<string, unknown>) =>
    this.#call<Awaited<ReturnType<Backend['dlqReplayMany']>>>('POST', `/api/dlq/${topic}/replay`, body)
  dlqDiscard = (topic: string, partition: number, offset: string, reason: string) =>
    this.#call<Awaited<ReturnType<Backend['dlqDiscard']>>>(
      'POST',
      `/api/dlq/${topic}/records/${partition}/${offset}/discard`,
      { reason },
    )
  produce = (body: Parameters<Backend['produce']>[0]) =>
    this.#call<Awaited<ReturnType<Backend['produce']>>>('POST', '/api/produce', body)
  schemas = () => this.#call<Awaited<ReturnType<Backend['schemas']>>>('GET', '/api/schemas')
  operators = () => this.#call<Awaited<ReturnType<Backend['operators']>>>('GET', '/api/operators')
  addOperator = (body: Parameters<Backend['addOperator']>[0]) =>
    this.#call<Awaited<ReturnType<Backend['addOperator']>>>('POST', '/api/operators', body)
  removeOperator = (username: string) => this.#call<void>('DELETE', `/api/operators/${encodeURIComponent(username)}`)
  audit = (query: Query) => this.#call<Awaited<ReturnType<Backend['audit']>>>('GET', withQuery('/api/audit', query))

  /** Reads the SSE stream of the tail until `signal` aborts. */
  async tail(topic: string, query: Query, signal: AbortSignal, onMessage: (m: Message) => void): Promise<void> {
    let response: Response
    try {
      response = await fetch(this.#url + withQuery(`/api/topics/${topic}/tail`, query), {
        headers: { ...(await this.#headers()), accept: 'text/event-stream' },
        signal,
      })
    } catch (error) {
      if (signal.aborted) return
      throw error
    }
    if (!response.ok || !response.body) {
      const text = await response.text()
      const error = (JSON.parse(text || '{}') as { error?: { code?: string; message?: string } }).error
      throw new CliError(`${error?.code ?? response.status}: ${error?.message ?? text.slice(0, 200)}`)
    }
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        if (buffer.length > MAX_EVENT_BYTES) throw new CliError('the console sent an event larger than 4 MiB')
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event === 'message' && data) onMessage(JSON.parse(data) as Message)
          if (event === 'failure' && data)
            throw new CliError(`tail stopped: ${(JSON.parse(data) as { message: string }).message}`)
          end = buffer.indexOf('\n\n')
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error
    }
  }

  /** Ends the session (logout), so a finished command leaves none behind. */
  async close(): Promise<void> {
    if (!this.#session) return
    // A login that failed has already failed the command, with its message: there is no session to end.
    const headers = await this.#session.catch(() => undefined)
    if (headers)
      await fetch(`${this.#url}/api/session`, { method: 'DELETE', headers, signal: AbortSignal.timeout(5_000) })
  }
}
