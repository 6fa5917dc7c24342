import { Counter, type Registry } from 'prom-client'

/** Read-model writes by event type and what became of them (applied, duplicate, stale, ignored, recorded...). */
export function readModelWritesCounter(registry: Registry): Counter<'event_type' | 'outcome'> {
  return new Counter({
    name: 'grimos_event_consumer_read_model_writes_total',
    help: 'Read-model and audit-log writes by event type and outcome (applied, duplicate, stale, ignored, recorded, unknown-user)',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  })
}
