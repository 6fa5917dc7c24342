// One typed function per backend endpoint (docs/console.md lists them).
import type { Session } from '../session.tsx'
import { del, get, post, type RequestOptions, setCsrfToken } from './client.ts'
import type {
  AddOperatorBody,
  AuditPage,
  CatalogAnswer,
  CheckAnswer,
  DlqListQuery,
  DlqPage,
  DlqRecord,
  DlqReplayManyBody,
  DlqTopics,
  GroupDetail,
  GroupList,
  Message,
  MessagePage,
  MessageQuery,
  OperatorAccount,
  OperatorList,
  Overview,
  ProduceAnswer,
  ProduceBody,
  ReplayManyAnswer,
  ReplayOutcome,
  ResetOffsetsAnswer,
  ResetOffsetsBody,
  SchemaDiff,
  SchemaVersion,
  SessionAnswer,
  SubjectList,
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
  return sessionOf(await post<SessionAnswer>('/api/session', { username, password }, { quiet401: true }))
}

export async function logout(): Promise<void> {
  try {
    await del('/api/session')
  } finally {
    setCsrfToken(undefined)
  }
}

export const overview = (o?: RequestOptions) => get<Overview>('/api/overview', {}, o)
export const topics = (o?: RequestOptions) => get<TopicList>('/api/topics', {}, o)
export const topic = (name: string, o?: RequestOptions) => get<TopicDetail>(`/api/topics/${enc(name)}`, {}, o)
export const throughputPath = '/api/live/throughput'

export const groups = (o?: RequestOptions) => get<GroupList>('/api/groups', {}, o)
export const group = (id: string, o?: RequestOptions) => get<GroupDetail>(`/api/groups/${enc(id)}`, {}, o)
export const lagPath = (id: string) => `/api/live/groups/${enc(id)}/lag`
export const resetOffsets = (id: string, body: ResetOffsetsBody) =>
  post<ResetOffsetsAnswer>(`/api/groups/${enc(id)}/offsets`, body)

export const messages = (name: string, query: Partial<MessageQuery>, o?: RequestOptions) =>
  get<MessagePage>(`/api/topics/${enc(name)}/messages`, query, o)
export const message = (name: string, partition: number, offset: string, o?: RequestOptions) =>
  get<Message>(`/api/topics/${enc(name)}/messages/${partition}/${enc(offset)}`, {}, o)
export const tailPath = (name: string) => `/api/topics/${enc(name)}/tail`

export const catalog = (o?: RequestOptions) => get<CatalogAnswer>('/api/catalog', {}, o)
export const produce = (body: Partial<ProduceBody> & { lines: string[] }) => post<ProduceAnswer>('/api/produce', body)

export const trace = (query: TraceQuery, o?: RequestOptions) => get<TraceAnswer>('/api/trace', query, o)

export const dlqTopics = (o?: RequestOptions) => get<DlqTopics>('/api/dlq', {}, o)
export const dlqRecords = (name: string, query: Partial<DlqListQuery>, o?: RequestOptions) =>
  get<DlqPage>(`/api/dlq/${enc(name)}/records`, query, o)
const recordPath = (name: string, partition: number, offset: string) =>
  `/api/dlq/${enc(name)}/records/${partition}/${enc(offset)}`
export const dlqRecord = (name: string, partition: number, offset: string, o?: RequestOptions) =>
  get<DlqRecord>(recordPath(name, partition, offset), {}, o)
export const dlqReplay = (
  name: string,
  partition: number,
  offset: string,
  body: { force?: boolean; reason?: string },
) => post<ReplayOutcome>(`${recordPath(name, partition, offset)}/replay`, body)
export const dlqDiscard = (name: string, partition: number, offset: string, reason: string) =>
  post<DlqRecord>(`${recordPath(name, partition, offset)}/discard`, { reason })
export const dlqReplayMany = (name: string, body: Partial<DlqReplayManyBody>) =>
  post<ReplayManyAnswer>(`/api/dlq/${enc(name)}/replay`, body)

export const subjects = (o?: RequestOptions) => get<SubjectList>('/api/schemas', {}, o)
export const schemaVersion = (subject: string, version: number, o?: RequestOptions) =>
  get<SchemaVersion>(`/api/schemas/${enc(subject)}/versions/${version}`, {}, o)
export const schemaDiff = (subject: string, from: number, to: number, o?: RequestOptions) =>
  get<SchemaDiff>(`/api/schemas/${enc(subject)}/diff`, { from, to }, o)
export const checkSchema = (subject: string, schema: string) =>
  post<CheckAnswer>(`/api/schemas/${enc(subject)}/check`, { schema })

export const audit = (query: { limit?: number; cursor?: string; action?: string }, o?: RequestOptions) =>
  get<AuditPage>('/api/audit', query, o)

export const operators = (o?: RequestOptions) => get<OperatorList>('/api/operators', {}, o)
export const addOperator = (body: AddOperatorBody) => post<OperatorAccount>('/api/operators', body)
export const removeOperator = (username: string) => del<void>(`/api/operators/${enc(username)}`)
