import type { UserEventType } from '../catalog/index.ts'
import { GrimError } from '../errors.ts'
import { resolveOptions } from '../options.ts'
import { type Backoff, BackoffSchema } from '../retry/backoff.ts'
import type { EventHandler, HandlerOptions } from './types.ts'

export interface RegisteredHandler {
  handler: EventHandler
  retry: Backoff
}

/** One handler per event type, each with its effective retry policy (the consumer's, overridden per field). */
export class HandlerRegistry {
  readonly #handlers = new Map<string, RegisteredHandler>()
  readonly #defaultRetry: Backoff

  constructor(defaultRetry: Backoff) {
    this.#defaultRetry = defaultRetry
  }

  register<T extends UserEventType>(eventType: T, handler: EventHandler<T>, options: HandlerOptions = {}): void {
    if (this.#handlers.has(eventType))
      throw new GrimError('GRIM_CONFIG_INVALID', `a handler for ${eventType} is already registered`, {
        details: { eventType },
      })
    this.#handlers.set(eventType, {
      handler: handler as EventHandler,
      retry: resolveOptions(`${eventType} handler retry`, BackoffSchema, this.#defaultRetry, options.retry),
    })
  }

  get(eventType: string): RegisteredHandler | undefined {
    return this.#handlers.get(eventType)
  }

  /** The policy for records we cannot attribute to a handler (undecodable bytes, unknown types). */
  get defaultRetry(): Backoff {
    return this.#defaultRetry
  }

  get eventTypes(): string[] {
    return [...this.#handlers.keys()]
  }
}
