import type { EventHandler } from '../events.ts'
import { type AuditedEvent, recordAuditEvent } from '../read-model/audit-log.ts'
import { isUserDeleted } from '../read-model/users.ts'
import { type OutcomeObserver, succeeded, transactionOf } from './transaction.ts'

export const securityEventTypes = ['user_login', 'user_logout', 'user_password_changed'] as const

export function securityHandlers(observe: OutcomeObserver) {
  // The audit log needs no directory row: failed logins and events of deleted users are recorded all the same,
  // the latter without the client's IP address and user agent.
  const audit: EventHandler<AuditedEvent['event_type']> = async (event, context) => {
    const tx = transactionOf(context)
    const recorded = await recordAuditEvent(tx, event, await isUserDeleted(tx, event.user_id))
    const outcome = recorded ? 'recorded' : 'duplicate'
    observe(event.event_type, outcome)
    return succeeded(`${event.event_type} for user ${event.user_id}: ${outcome}`)
  }
  return {
    user_login: audit as EventHandler<'user_login'>,
    user_logout: audit as EventHandler<'user_logout'>,
    user_password_changed: audit as EventHandler<'user_password_changed'>,
  }
}
