// One producer and one admin for the components of a process to share (consumer runner, dead-letter writer, DLQ
// queue and its status store) instead of a pair each. Whoever creates the clients closes them: a component that
// is given them uses them and leaves them open.
import { type ConnectionOptions, KafkaAdmin, KafkaProducer } from './index.ts'

export interface KafkaClients {
  producer: KafkaProducer
  admin: KafkaAdmin
}

export interface HeldKafkaClients extends KafkaClients {
  /** Closes the clients if they were opened here; given ones are left to their owner. Safe to call twice. */
  release(): Promise<void>
}

/** The clients given, or a pair opened with `connection` that `release` closes. */
export function holdKafkaClients(given: KafkaClients | undefined, connection?: ConnectionOptions): HeldKafkaClients {
  if (given) return { ...given, release: () => Promise.resolve() }
  return openKafkaClients(connection)
}

/** A producer and an admin of its own; `release` closes both. */
export function openKafkaClients(connection?: ConnectionOptions): HeldKafkaClients {
  const producer = new KafkaProducer(connection)
  const admin = new KafkaAdmin(connection)
  let closed: Promise<void> | undefined
  return {
    producer,
    admin,
    release() {
      closed ??= Promise.all([producer.close(), admin.close()]).then(() => undefined)
      return closed
    },
  }
}
