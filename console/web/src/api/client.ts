// The one way the front end talks to the backend: JSON over fetch, same-origin session cookie, the CSRF token
// on every state-changing request, and errors as ApiError with the backend's `GRIM_*` code.

/** Header the backend checks on POST/PUT/PATCH/DELETE. */
export const csrfHeader = 'x-csrf-token'

let csrfToken: string | undefined
const unauthorizedListeners = new Set<() => void>()

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token
}

/** Called when any request answers 401: the session ended, the app shows the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

export type Query = Record<string, string | number | boolean | undefined>

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, `${value}`)
  const search = params.toString()
  return search ? `${path}?${search}` : path
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text()
  try {
    // The grimOS services' one error shape: { error: { code, message, statusCode, requestId, details? } }.
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } }
    return new ApiError(
      response.status,
      body.error?.code ?? `HTTP_${response.status}`,
      body.error?.message ?? (text.slice(0, 300) || response.statusText),
      body.error?.details,
    )
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 300) || response.statusText)
  }
}

export interface RequestOptions {
  signal?: AbortSignal
  /** Don't treat 401 as the end of the session (the login request itself). */
  quiet401?: boolean
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers[csrfHeader] = csrfToken
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: options.signal,
  })
  if (!response.ok) {
    const error = await errorOf(response)
    if (response.status === 401 && !options.quiet401) for (const listener of unauthorizedListeners) listener()
    throw error
  }
  if (response.status === 204) return undefined as T
  const type = response.headers.get('content-type') ?? ''
  return (type.includes('json') ? await response.json() : await response.text()) as T
}

export const get = <T>(path: string, query?: Query, options?: RequestOptions) =>
  request<T>('GET', withQuery(path, query), undefined, options)
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('POST', path, body ?? {}, options)
export const put = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('PUT', path, body ?? {}, options)
export const del = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('DELETE', path, body, options)

/** A message fit for a person: the code first, so operators can look it up in docs/errors.md. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`
  if (error instanceof Error) return error.message
  return String(error)
}
