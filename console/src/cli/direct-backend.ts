import { userInfo } from 'node:os'
import type { Database } from '@grimos/events'
import { listAudit, recordAudit } from '../auth/audit.ts'
import { addOperator, listOperators, removeOperator } from '../auth/operators.ts'
import { openConsoleStore, type StoreOptions } from '../auth/store.ts'
import type { Message } from '../http/schemas/index.ts'
import {
  type ConsoleOps,
  groupDetail,
  listGroups,
  listSubjects,
  listTopics,
  openConsoleOps,
  tail,
  trace,
} from '../ops/index.ts'
import type { Backend, Query } from './backend.ts'

// The CLI without a console: the same ops layer, straight to Kafka and the registry with the environment's
// credentials (the stack's operator by default), and to the console's database for accounts and the audit log.

const text = (v: Query[string]) => (v === undefined ? undefined : String(v))
const date = (v: Query[string]) => (v === undefined ? undefined : new Date(String(v)))

export class DirectBackend implements Backend {
  readonly mode = 'direct' as const
  readonly #console: ConsoleOps
  readonly #store: StoreOptions
  #db: Promise<Database> | undefined
  /** Who acts in the audit log: this machine's user, as the CLI cannot know more. */
  readonly principal = `cli:${userInfo().username}`

  readonly #checkStore: () => void

  /** `checkStore` throws when the database may not be opened from here (another process holds PGlite). */
  constructor(store: StoreOptions, checkStore: () => void = () => undefined) {
    this.#console = openConsoleOps()
    this.#store = store
    this.#checkStore = checkStore
  }

  #database(): Promise<Database> {
    if (!this.#db) this.#checkStore()
    this.#db ??= openConsoleStore(this.#store)
    return this.#db
  }

  async #audit(action: string, target: string, details?: unknown): Promise<void> {
    await recordAudit(await this.#database(), { principal: this.principal, action, target, details })
  }

  topics = () => listTopics(this.#console.ops)
  groups = () => listGroups(this.#console.ops)
  group = (id: string) => groupDetail(this.#console.ops, id)
  schemas = () => listSubjects(this.#console.ops)

  trace = (q: Query) =>
    trace(this.#console.ops, this.#console.messages.decoder, {
      eventId: text(q.event_id),
      userId: text(q.user_id),
      topic: text(q.topic),
      from: date(q.from),
      to: date(q.to),
    })

  async tail(topic: string, q: Query, signal: AbortSignal, onMessage: (m: Message) => void): Promise<void> {
    await this.#console.messages.partitionsOf(topic)
    const events = tail(this.#console.ops, this.#console.messages, {
      topic,
      partition: q.partition === undefined ? undefined : Number(q.partition),
      from: date(q.from),
      filter: { key: text(q.key), eventType: text(q.event_type), eventId: text(q.event_id), userId: text(q.user_id) },
      signal,
    })
    for await (const event of events) if (event.type === 'message') onMessage(event.message)
  }

  dlqList = (topic: string, q: Query) =>
    this.#console.dlq.list(topic, {
      status: q.status as 'pending' | undefined,
      eventType: text(q.event_type),
      errorClass: text(q.error_class),
      key: text(q.key),
      from: date(q.from),
      to: date(q.to),
      limit: q.limit === undefined ? undefined : Number(q.limit),
      cursor: text(q.cursor),
    })

  dlqInspect = (topic: string, partition: number, offset: string) =>
    this.#console.dlq.inspect(topic, { partition, offset: BigInt(offset) })

  async dlqReplay(topic: string, partition: number, offset: string, body: { force?: boolean; reason?: string }) {
    const outcome = await this.#console.dlq.replay(
      topic,
      { partition, offset: BigInt(offset) },
      { ...body, by: this.principal },
    )
    await this.#audit('dlq.replay', `${topic}/${partition}/${offset}`, { to: outcome.to, reason: body.reason })
    return outcome
  }

  async dlqReplayMany(topic: string, body: Record<string, unknown>) {
    const positions = body.positions as { partition: number; offset: string }[] | undefined
    const answer = await this.#console.dlq.replayMany(topic, {
      filter: {
        status: body.status as 'pending' | undefined,
        eventType: text(body.event_type as string),
        errorClass: text(body.error_class as string),
        key: text(body.key as string),
        from: date(body.from as string),
        to: date(body.to as string),
      },
      positions: positions?.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })),
      limit: Number(body.limit ?? 100),
      dryRun: body.dryRun !== false,
      force: body.force as boolean | undefined,
      reason: body.reason as string | undefined,
      by: this.principal,
    })
    if (!answer.dryRun)
      await this.#audit('dlq.replay-many', topic, {
        replayed: answer.replayed,
        skipped: answer.skipped,
        reason: body.reason,
      })
    return answer
  }

  async dlqDiscard(topic: string, partition: number, offset: string, reason: string) {
    const record = await this.#console.dlq.discard(topic, { partition, offset: BigInt(offset) }, reason, this.principal)
    await this.#audit('dlq.discard', `${topic}/${partition}/${offset}`, { reason })
    return record
  }

  async produce(body: Parameters<Backend['produce']>[0]) {
    const answer = await this.#console.producing.produce({ ...body, by: this.principal })
    if (answer.sent)
      await this.#audit('produce', answer.topic, {
        lines: `${body.firstLine}-${body.firstLine + body.lines.length - 1}`,
        sent: answer.valid,
      })
    return answer
  }

  operators = async () => ({ operators: await listOperators(await this.#database()) })

  async addOperator(body: Parameters<Backend['addOperator']>[0]) {
    const account = await addOperator(await this.#database(), body, this.principal)
    await this.#audit('operator.add', account.username, { role: account.role })
    return account
  }

  async removeOperator(username: string) {
    await removeOperator(await this.#database(), username)
    await this.#audit('operator.remove', username)
  }

  audit = async (q: Query) =>
    listAudit(await this.#database(), {
      limit: Number(q.limit ?? 100),
      cursor: text(q.cursor),
      action: text(q.action),
    })

  async close(): Promise<void> {
    const db = this.#db
    await Promise.allSettled([this.#console.close(), db?.then((d) => d.close())])
  }
}
