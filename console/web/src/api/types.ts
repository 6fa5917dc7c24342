// The API's shapes, taken from the backend's TypeBox route schemas (console/src/http/schemas), so a change
// there breaks this build instead of a page at run time. Type-only imports: nothing of the backend is bundled.
export type { CatalogAnswer, LineResult, ProduceAnswer, ProduceBody } from '../../../src/http/schemas/produce.ts'
export type { Message, MessagePage, MessageQuery, TailQuery } from '../../../src/http/schemas/messages.ts'
export type { TraceAnswer, TraceQuery, TraceStep } from '../../../src/http/schemas/trace.ts'
export type {
  GroupDetail,
  GroupList,
  GroupMember,
  GroupSummary,
  PartitionLag,
  ResetOffsetsAnswer,
  ResetOffsetsBody,
} from '../../../src/http/schemas/groups.ts'
export type {
  Broker,
  Overview,
  PartitionDetail,
  TopicDetail,
  TopicList,
  TopicSummary,
} from '../../../src/http/schemas/cluster.ts'
export type { LoginBody, SessionAnswer, SessionUser } from '../../../src/http/schemas/session.ts'
