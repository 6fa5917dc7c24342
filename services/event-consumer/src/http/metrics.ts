import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Registry } from 'prom-client'

/**
 * The registry behind `/metrics`: the consumer's metrics, this service's own, and Node process metrics (CPU,
 * memory, event-loop lag, GC). One registry per service instance, so tests that build several never collide.
 */
export function createServiceRegistry(serviceName: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service: serviceName })
  collectDefaultMetrics({ register: registry })
  return registry
}

/** Read-model writes by event type and what became of them (applied, duplicate, stale, ignored, recorded...). */
export function readModelWritesCounter(registry: Registry): Counter<'event_type' | 'outcome'> {
  return new Counter({
    name: 'grimos_event_consumer_read_model_writes_total',
    help: 'Read-model and audit-log writes by event type and outcome (applied, duplicate, stale, ignored, recorded, unknown-user)',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  })
}

/** `GET /metrics` in the Prometheus text format; open like the health probes, it carries no user data. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await registry.metrics()
    return reply.type(registry.contentType).send(body)
  })
}
