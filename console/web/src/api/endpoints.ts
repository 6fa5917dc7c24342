// One typed function per backend endpoint (docs/console.md lists them).
import type { Session } from '../session.tsx'
import { del, get, post, type RequestOptions, setCsrfToken } from './client.ts'
import type {
  CatalogAnswer,
  GroupDetail,
  GroupList,
  MessagePage,
  MessageQuery,
  Overview,
  ProduceAnswer,
  ProduceBody,
  ResetOffsetsAnswer,
  ResetOffsetsBody,
  SessionAnswer,
  TopicDetail,
  TopicList,
  TraceAnswer,
  TraceQuery,
} from './types.ts'

const enc = encodeURIComponent

function sessionOf(answer: SessionAnswer): Session | null {
  setCsrfToken(answer.csrfToken)
  return answer.user ? { username: answer.user.username, role: answer.user.role } : null
}

export async function currentSession(): Promise<Session | null> {
  return sessionOf(await get<SessionAnswer>('/api/session', {}, { quiet401: true }))
}

export async function login(username: string, password: string): Promise<Session | null> {
  await post('/api/session', { username, password }, { quiet401: true })
  // The CSRF token is bound to the new session: ask for it (and the role) now.
  return currentSession()
}

export async function logout(): Promise<void> {
  await del('/api/session')
  setCsrfToken(undefined)
}

export const overview = (o?: RequestOptions) => get<Overview>('/api/overview', {}, o)
export const topics = (o?: RequestOptions) => get<TopicList>('/api/topics', {}, o)
export const topic = (name: string, o?: RequestOptions) => get<TopicDetail>(`/api/topics/${enc(name)}`, {}, o)

export const groups = (o?: RequestOptions) => get<GroupList>('/api/groups', {}, o)
export const group = (id: string, o?: RequestOptions) => get<GroupDetail>(`/api/groups/${enc(id)}`, {}, o)
export const resetOffsets = (id: string, body: ResetOffsetsBody) =>
  post<ResetOffsetsAnswer>(`/api/groups/${enc(id)}/offsets`, body)

export const messages = (name: string, query: Partial<MessageQuery>, o?: RequestOptions) =>
  get<MessagePage>(`/api/topics/${enc(name)}/messages`, query, o)
export const tailPath = (name: string) => `/api/topics/${enc(name)}/tail`

export const catalog = (o?: RequestOptions) => get<CatalogAnswer>('/api/catalog', {}, o)
export const produce = (body: Partial<ProduceBody> & { lines: string[] }) => post<ProduceAnswer>('/api/produce', body)

export const trace = (query: TraceQuery, o?: RequestOptions) => get<TraceAnswer>('/api/trace', query, o)
