import { type EventProcessingResult, GrimError, type HandlerContext, type Queryable } from '../events.ts'

/** Outcomes of the read-model writes, for the service's own counter. */
export type OutcomeObserver = (eventType: string, outcome: string) => void

/**
 * The transaction that also holds the processed mark. Without one (a consumer wired to an in-memory store),
 * the writes could commit without the mark or the other way round, so the handler refuses to run at all.
 */
export function transactionOf(context: HandlerContext): Queryable {
  if (context.tx) return context.tx
  throw new GrimError(
    'GRIM_CONFIG_INVALID',
    'the event-consumer handlers need the processed-events transaction (context.tx): use a database-backed store',
    { retryable: false },
  )
}

export function succeeded(message: string): EventProcessingResult {
  return { success: true, message }
}
