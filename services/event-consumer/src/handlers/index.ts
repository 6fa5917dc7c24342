import type { EventHandler, UserEventType } from '../events.ts'
import { directoryHandlers } from './directory.ts'
import { securityHandlers } from './security.ts'
import type { OutcomeObserver } from './transaction.ts'

export type { OutcomeObserver } from './transaction.ts'

/** What the handlers are registered on: the library's consumer fits. */
export interface HandlerTarget {
  registerHandler<T extends UserEventType>(eventType: T, handler: EventHandler<T>): void
}

export type UserEventHandlers = { [T in UserEventType]: EventHandler<T> }

/** One handler per catalog event type; the mapped type makes a missing one a compile error. */
export function userEventHandlers(observe: OutcomeObserver = () => undefined): UserEventHandlers {
  return { ...directoryHandlers(observe), ...securityHandlers(observe) }
}

export function registerUserEventHandlers(target: HandlerTarget, handlers: UserEventHandlers): void {
  for (const eventType of Object.keys(handlers) as UserEventType[]) {
    target.registerHandler(eventType, handlers[eventType] as EventHandler<typeof eventType>)
  }
}
