// The ops layer: what the console's HTTP routes and the CLI's direct mode both call.
import type { ConnectionOptions } from '@grimos/events'
import { type Ops, openOps } from './context.ts'
import { DlqOps } from './dlq.ts'
import { MessageBrowser } from './messages.ts'
import type { OpsOptions } from './options.ts'
import { Producing } from './produce.ts'

export { groupDetail, listGroups, listTopics, overview, topicDetail } from './cluster.ts'
export type { Ops } from './context.ts'
export { isDlqTopic, sourceTopicOf } from './dlq.ts'
export { decodeCursor, encodeCursor, printable, toJson } from './format.ts'
export { lagSample, sampleOffsets, tail, throughput } from './live.ts'
export type { MessageFilter, PageRequest } from './messages.ts'
export { type OpsOptions, opsDefaults } from './options.ts'
export { catalog, PRODUCED_BY_HEADER, parseLine } from './produce.ts'
export { type ResetRequest, resetOffsets } from './reset.ts'
export { checkCandidate, diffVersions, lineDiff, listSubjects, schemaVersion } from './schemas.ts'
export { trace, uuidv7Time } from './trace.ts'

export interface ConsoleOps {
  ops: Ops
  messages: MessageBrowser
  dlq: DlqOps
  producing: Producing
  close(): Promise<void>
}

export function openConsoleOps(options: Partial<OpsOptions> = {}, connection: ConnectionOptions = {}): ConsoleOps {
  const ops = openOps(options, connection)
  const dlq = new DlqOps(ops)
  const producing = new Producing(ops)
  return {
    ops,
    messages: new MessageBrowser(ops),
    dlq,
    producing,
    async close() {
      await Promise.allSettled([dlq.close(), producing.close()])
      await ops.close()
    },
  }
}
