import type { RestartPolicy } from './supervision.ts'

/** One long-running part of the local stack (the broker, the registry, the services), run under a supervisor. */
export interface Component {
  name: string
  /** One line for the status table: what it is and where it listens. */
  describe(): string
  /** Ports it binds, keyed by the env var that moves each one. */
  ports: Record<string, number>
  /** Downloads and configures what is needed, then says how to run it. */
  launch(): Promise<{ command: string; args: string[]; env?: Record<string, string> }>
  isHealthy(): Promise<boolean>
  /**
   * Runs once it (and the components started with it) is healthy, whether this `up` started it or found it
   * running, so it must be idempotent: e.g. Kafka's ACLs.
   */
  afterHealthy?(): Promise<void>
  /** Says a first start downloads something (shown while preparing). */
  downloads?: string
  /** Components that must be healthy first. */
  dependsOn?: string[]
  /**
   * Components with the same value here are started together, then waited for: none becomes healthy alone
   * (the nodes of a Kafka cluster need a quorum first).
   */
  startsWith?: string
  /** Overrides of the restart policy (defaultPolicy in supervision.ts). */
  supervision?: Partial<RestartPolicy>
}
