import type { FastifyInstance } from 'fastify'

export interface ListenOptions {
  /** Default 127.0.0.1: reachable from this machine only unless a HOST is chosen on purpose. */
  host?: string
  port: number
}

/** Starts listening (Fastify logs the URL); resolves the URL. */
export async function listen(app: FastifyInstance, options: ListenOptions): Promise<string> {
  return await app.listen({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    listenTextResolver: (address) => `listening on ${address}`,
  })
}

export interface ShutdownOptions {
  /** Runs after the HTTP server has closed, in order (stop relays, close databases). */
  steps?: Array<{ name: string; run: () => Promise<void> }>
  /** The process exits with 1 when shutdown takes longer. Default 15 s. */
  timeoutMs?: number
  signals?: NodeJS.Signals[]
}

/**
 * On SIGINT/SIGTERM: stop taking requests, let in-flight ones finish, then run the steps. A second signal, or
 * the timeout, exits at once with status 1.
 */
export function closeOnSignals(app: FastifyInstance, options: ShutdownOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 15_000
  let closing = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    closing = true
    app.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown timed out')
      process.exit(1)
    }, timeoutMs)
    timer.unref()
    shutdown(app, options.steps ?? []).then(
      () => {
        clearTimeout(timer)
        process.exitCode = 0
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  for (const signal of options.signals ?? ['SIGINT', 'SIGTERM']) process.on(signal, onSignal)
}

async function shutdown(app: FastifyInstance, steps: NonNullable<ShutdownOptions['steps']>): Promise<void> {
  await app.close()
  // Every step runs even when one fails: a relay that would not stop must not keep the database open.
  const failures: unknown[] = []
  for (const step of steps) {
    app.log.info({ step: step.name }, 'shutdown step')
    await step.run().catch((error: unknown) => failures.push(error))
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} shutdown step(s) failed`)
  app.log.info('stopped')
}
