import type { PublishUserEventInput, UserEvent } from '../catalog/index.ts'
import type { GrimError } from '../errors.ts'
import { EventPublisher, type PublisherOptions, type PublishResult } from './publisher.ts'

// The two calls grimOS services already use, backed by one process-wide publisher configured from the
// environment (KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL) unless `configurePublisher` is called first.

let shared: EventPublisher | undefined

/** Replaces the process-wide publisher's options. Call before the first publish; returns the publisher. */
export function configurePublisher(options: PublisherOptions = {}): EventPublisher {
  if (shared) throw new Error('configurePublisher must be called before the first publish (or after closePublisher)')
  shared = new EventPublisher(options)
  return shared
}

function publisher(): EventPublisher {
  shared ??= new EventPublisher()
  return shared
}

/** Resolves once the broker has the event: `{ topic, partition, offset, eventId }`. */
export function publishUserEvent(input: PublishUserEventInput): Promise<PublishResult> {
  return publisher().publish(input)
}

/** Returns at once; the event is sent in the background (see EventPublisher.publishInBackground). */
export function publishUserEventInBackground(
  input: PublishUserEventInput,
  onFailure?: (event: UserEvent, error: GrimError) => void,
): { eventId: string } {
  return publisher().publishInBackground(input, onFailure)
}

/** Flushes the background queue and closes the shared publisher; call it on graceful shutdown. */
export async function closePublisher(timeoutMs?: number): Promise<void> {
  const current = shared
  shared = undefined
  await current?.close(timeoutMs)
}
