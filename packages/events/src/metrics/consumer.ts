import type { Registry } from 'prom-client'
import { counter, gauge, histogram, latencyBuckets } from './registry.ts'

/** What became of a consumed event, as the processed counter labels it. */
export type EventOutcome = 'success' | 'failure' | 'retried' | 'dead_lettered' | 'skipped' | 'duplicate'

interface TypeLabels {
  type: { event_type: string }
  outcome: Record<EventOutcome, { event_type: string; outcome: EventOutcome }>
}

/**
 * What the event consumer reports. The metrics are created once per registry (see registry.ts), so two
 * consumers share them. The hot path records through `count`, `observeSeconds` and `countRetry`, which reuse
 * one label object (never mutated: prom-client keeps a reference) per event type and outcome instead of building one per record.
 */
export function createConsumerMetrics(registry: Registry) {
  const metrics = createMetrics(registry)
  const labels = new Map<string, TypeLabels>()
  const labelsOf = (eventType: string): TypeLabels => {
    let entry = labels.get(eventType)
    if (!entry) {
      const of = (outcome: EventOutcome) => ({ event_type: eventType, outcome })
      entry = {
        type: { event_type: eventType },
        outcome: {
          success: of('success'),
          failure: of('failure'),
          retried: of('retried'),
          dead_lettered: of('dead_lettered'),
          skipped: of('skipped'),
          duplicate: of('duplicate'),
        },
      }
      labels.set(eventType, entry)
    }
    return entry
  }
  return {
    ...metrics,
    count(eventType: string, outcome: EventOutcome): void {
      metrics.processed.inc(labelsOf(eventType).outcome[outcome])
    },
    observeSeconds(eventType: string, seconds: number): void {
      metrics.processingSeconds.observe(labelsOf(eventType).type, seconds)
    },
    countRetry(eventType: string): void {
      metrics.retries.inc(labelsOf(eventType).type)
    },
  }
}

function createMetrics(registry: Registry) {
  return {
    processed: counter(registry, {
      name: 'grimos_consumer_events_processed_total',
      help: 'Consumed events by type and outcome (success, failure, retried, dead_lettered, skipped, duplicate)',
      labelNames: ['event_type', 'outcome'] as const,
    }),
    processingSeconds: histogram(registry, {
      name: 'grimos_consumer_processing_seconds',
      help: 'Time one handler attempt took, dedupe transaction included',
      labelNames: ['event_type'] as const,
      buckets: latencyBuckets,
    }),
    retries: counter(registry, {
      name: 'grimos_consumer_retries_total',
      help: 'Failed attempts that were scheduled for another try (in process or through the retry topic)',
      labelNames: ['event_type'] as const,
    }),
    dlqWrites: counter(registry, {
      name: 'grimos_consumer_dlq_writes_total',
      help: 'Records written to a dead-letter topic, by reason',
      labelNames: ['reason'] as const,
    }),
    dlqDepth: gauge(registry, {
      name: 'grimos_consumer_dlq_depth',
      help: 'Records in the dead-letter topic (log end minus log start)',
      labelNames: ['topic'] as const,
    }),
    up: gauge(registry, { name: 'grimos_consumer_up', help: '1 while the consumer loop runs' }),
    assignedPartitions: gauge(registry, {
      name: 'grimos_consumer_assigned_partitions',
      help: 'Partitions assigned to this consumer (source and retry topics)',
    }),
    lag: gauge(registry, {
      name: 'grimos_consumer_lag',
      help: 'Records behind the log end (log end minus committed offset)',
      labelNames: ['topic', 'partition'] as const,
    }),
    fetchDiscards: counter(registry, {
      name: 'grimos_consumer_fetch_discards_total',
      help: 'Fetched partition data dropped and read again so no record is skipped: stale (fetched before a rejoin), gap (did not start at the reset offset)',
      labelNames: ['reason'] as const,
    }),
    dependencyOutage: gauge(registry, {
      name: 'grimos_consumer_dependency_outage',
      help: 'Consumers whose records wait for this dependency (registry, database, broker) to come back (1 per consumer)',
      labelNames: ['dependency'] as const,
    }),
    dependencyWaits: counter(registry, {
      name: 'grimos_consumer_dependency_waits_total',
      help: 'Backoff waits of a record for an unreachable dependency; they do not count against its retry budget',
      labelNames: ['dependency'] as const,
    }),
    parkedKeys: gauge(registry, {
      name: 'grimos_consumer_parked_keys',
      help: 'Keys whose events wait behind a retry, so per-key order holds',
    }),
  }
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>
