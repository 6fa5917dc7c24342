import type { EventHandler, EventProcessingResult, UserEventType } from '../events.ts'
import { eraseAuditClientContext } from '../read-model/audit-log.ts'
import { type ApplyOutcome, applyRegistered, applySnapshot } from '../read-model/users.ts'
import { type OutcomeObserver, succeeded, transactionOf } from './transaction.ts'

export const directoryEventTypes = ['user_registered', 'user_updated', 'user_deleted', 'user_email_verified'] as const

function resultOf(eventType: UserEventType, userId: string, outcome: ApplyOutcome): EventProcessingResult {
  if (outcome === 'unknown-user') {
    // Per-key order makes this rare (a replay, a registration still being retried); a later retry finds the row.
    return {
      success: false,
      retryable: true,
      message: `${eventType} for user ${userId} arrived before its user_registered; retrying later`,
    }
  }
  return succeeded(`${eventType} for user ${userId}: ${outcome}`)
}

export function directoryHandlers(observe: OutcomeObserver) {
  const registered: EventHandler<'user_registered'> = async (event, context) => {
    const outcome = await applyRegistered(transactionOf(context), event)
    observe(event.event_type, outcome)
    return resultOf(event.event_type, event.user_id, outcome)
  }
  const snapshot: EventHandler<'user_updated' | 'user_deleted' | 'user_email_verified'> = async (event, context) => {
    const tx = transactionOf(context)
    const outcome = await applySnapshot(tx, event)
    // Every deletion that reaches us erases, even a duplicate: the audit rows may have arrived since the first.
    if (event.event_type === 'user_deleted') await eraseAuditClientContext(tx, event.user_id)
    observe(event.event_type, outcome)
    return resultOf(event.event_type, event.user_id, outcome)
  }
  return {
    user_registered: registered,
    user_updated: snapshot as EventHandler<'user_updated'>,
    user_deleted: snapshot as EventHandler<'user_deleted'>,
    user_email_verified: snapshot as EventHandler<'user_email_verified'>,
  }
}
