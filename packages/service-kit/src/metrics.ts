import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Registry } from 'prom-client'

/**
 * The registry behind a service's `/metrics`: the library's metrics (publisher, outbox, consumer), the
 * service's own, and Node process metrics (CPU, memory, event-loop lag, GC). One registry per service
 * instance, so tests that build several never collide.
 */
export function createServiceRegistry(serviceName: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service: serviceName })
  collectDefaultMetrics({ register: registry })
  return registry
}

/** `GET /metrics` in the Prometheus text format; open like the health probes, it carries no user data. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await registry.metrics()
    return reply.type(registry.contentType).send(body)
  })
}
