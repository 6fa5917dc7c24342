import type { Registry } from 'prom-client'
import { counter, gauge, histogram, latencyBuckets } from './registry.ts'

export type PublishOutcome = 'success' | 'failure' | 'invalid' | 'rejected' | 'spilled' | 'unspilled'
export type PublishMode = 'sync' | 'background' | 'outbox'

/** What the publisher and the outbox relay report. */
export function createProducerMetrics(registry: Registry) {
  return {
    published: counter(registry, {
      name: 'grimos_events_published_total',
      help: 'User events published, by type, mode and outcome',
      labelNames: ['event_type', 'mode', 'outcome'] as const,
    }),
    publishDuration: histogram(registry, {
      name: 'grimos_publish_duration_seconds',
      help: 'Time from publish call to broker acknowledgement (acks=all), retries included',
      labelNames: ['mode'] as const,
      buckets: latencyBuckets,
    }),
    retries: counter(registry, {
      name: 'grimos_publish_retries_total',
      help: 'Publish attempts retried after a transient error',
      labelNames: ['mode'] as const,
    }),
    queueDepth: gauge(registry, {
      name: 'grimos_background_queue_depth',
      help: 'Events accepted for background publishing and not yet acknowledged or spilled',
    }),
    spilled: gauge(registry, {
      name: 'grimos_spill_pending_events',
      help: 'Events kept in the local spill file after every retry failed, re-sent on the next start',
    }),
    outboxPending: gauge(registry, { name: 'grimos_outbox_pending_events', help: 'Outbox rows not yet sent' }),
    outboxLag: gauge(registry, {
      name: 'grimos_outbox_lag_seconds',
      help: 'Age of the oldest unsent outbox row (0 when none)',
    }),
  }
}

export type ProducerMetrics = ReturnType<typeof createProducerMetrics>
