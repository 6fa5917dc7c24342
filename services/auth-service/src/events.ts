// The one module that turns auth-service changes into user events. Each call writes into the outbox with the
// caller's transaction, so the event exists exactly when the change commits.
import {
  createUserEvent,
  enqueueUserEvent,
  type PublishUserEventInput,
  type Queryable,
  USER_EVENTS_TOPIC,
  type UserEvent,
  type UserEventType,
} from '@grimos/events'
import type { FastifyRequest } from 'fastify'
import type { UserRow } from './users/repository.ts'

export const eventSource = 'auth-service'

/** Who caused the change: travels in every event's metadata. */
export interface RequestContext {
  sourceIp: string | null
  userAgent: string | null
  requestId: string | null
}

export function requestContext(request: FastifyRequest): RequestContext {
  const agent = request.headers['user-agent']
  return {
    sourceIp: request.ip || null,
    // Bounded: the header is the caller's to fill and the event travels to every consumer.
    userAgent: typeof agent === 'string' && agent !== '' ? agent.slice(0, 512) : null,
    requestId: request.id,
  }
}

/** The per-type fields of each event; the user snapshot is added from the row. */
type ExtraData<T extends UserEventType> = Omit<PublishUserEventInput<T>['userData'], keyof UserSnapshot | 'id'>

interface UserSnapshot {
  email: string
  full_name: string | null
  is_active: boolean
  is_superuser: boolean
  roles: string[]
}

export function userSnapshot(user: UserRow): UserSnapshot & { id: string } {
  return {
    id: user.id,
    email: user.email,
    full_name: user.full_name,
    is_active: user.is_active,
    is_superuser: user.is_superuser,
    roles: user.roles,
  }
}

/** Where the events go: `publishing: false` (EVENT_PUBLISHING=off, benchmarks only) writes no outbox row. */
export interface UserEventSettings {
  topic: string
  publishing: boolean
}

export const userEventDefaults: UserEventSettings = { topic: USER_EVENTS_TOPIC, publishing: true }

export type RecordUserEvent = <T extends UserEventType>(
  tx: Queryable,
  eventType: T,
  user: UserRow,
  data: ExtraData<T>,
  context: RequestContext,
) => Promise<UserEvent>

/** Validates each event against the catalog and adds it to the outbox inside `tx`. */
export function userEventRecorder(settings: UserEventSettings): RecordUserEvent {
  return async (tx, eventType, user, data, context) => {
    const input = {
      eventType,
      userId: user.id,
      userData: { ...userSnapshot(user), ...data },
      metadata: {
        source: eventSource,
        source_ip: context.sourceIp,
        user_agent: context.userAgent,
        request_id: context.requestId,
      },
    } as unknown as PublishUserEventInput<typeof eventType>
    // Still built and validated when off, so the benchmark's OFF side differs by the outbox write alone.
    if (!settings.publishing) return createUserEvent(input)
    return await enqueueUserEvent(tx, input, { topic: settings.topic })
  }
}

/** The library's outbox table (packages/events db/migrations.ts); rows are keyed by user id. */
const outboxTable = 'grimos_outbox'

/**
 * On deletion: drops the outbox rows of the user's earlier events that are already sent (or failed for good),
 * which would otherwise keep the email and IP for `sentRetentionMs`. Pending rows stay: they still have to reach
 * the consumers, and the user_deleted event written in the same transaction is one of them.
 */
export async function eraseDeliveredEvents(tx: Queryable, userId: string): Promise<number> {
  const rows = await tx.query(
    `delete from ${outboxTable} where message_key = $1 and status in ('sent', 'failed') returning 1`,
    [userId],
  )
  return rows.length
}
