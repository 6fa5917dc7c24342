import type {
  AuditPage,
  DlqPage,
  DlqRecord,
  GroupDetail,
  GroupList,
  Message,
  OperatorAccount,
  OperatorList,
  ProduceAnswer,
  ReplayManyAnswer,
  ReplayOutcome,
  SubjectList,
  TopicList,
  TraceAnswer,
} from '../http/schemas/index.ts'

// What the CLI needs, whichever way it gets there: the console's API, or Kafka directly through the ops layer.
// Both answer with the API's shapes, so the commands and their --json output are the same in both modes.

export type Query = Record<string, string | number | boolean | undefined>

export interface Backend {
  readonly mode: 'api' | 'direct'
  topics(): Promise<TopicList>
  groups(): Promise<GroupList>
  group(id: string): Promise<GroupDetail>
  tail(topic: string, query: Query, signal: AbortSignal, onMessage: (m: Message) => void): Promise<void>
  trace(query: Query): Promise<TraceAnswer>
  dlqList(topic: string, query: Query): Promise<DlqPage>
  dlqInspect(topic: string, partition: number, offset: string): Promise<DlqRecord>
  dlqReplay(
    topic: string,
    partition: number,
    offset: string,
    body: { force?: boolean; reason?: string },
  ): Promise<ReplayOutcome>
  dlqReplayMany(topic: string, body: Record<string, unknown>): Promise<ReplayManyAnswer>
  dlqDiscard(topic: string, partition: number, offset: string, reason: string): Promise<DlqRecord>
  produce(body: {
    topic?: string
    lines: string[]
    firstLine: number
    dryRun: boolean
    skipInvalid: boolean
  }): Promise<ProduceAnswer>
  schemas(): Promise<SubjectList>
  operators(): Promise<OperatorList>
  addOperator(body: { username: string; password: string; role: 'viewer' | 'operator' }): Promise<OperatorAccount>
  removeOperator(username: string): Promise<void>
  audit(query: Query): Promise<AuditPage>
  close(): Promise<void>
}
