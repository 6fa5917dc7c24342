import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client'

// Metrics are created once per registry: a second publisher or consumer in the same process (tests, or a
// service that runs both) reuses them instead of failing with "metric already registered".

export type MetricsRegistry = Registry

export function defaultRegistry(): Registry {
  return globalRegistry
}

type Config<T extends string> = { name: string; help: string; labelNames?: readonly T[] }

export function counter<T extends string>(registry: Registry, config: Config<T>): Counter<T> {
  return (
    (registry.getSingleMetric(config.name) as Counter<T> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  )
}

export function gauge<T extends string>(
  registry: Registry,
  config: Config<T> & { collect?: (this: Gauge<T>) => void | Promise<void> },
): Gauge<T> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<T> | undefined) ?? new Gauge({ ...config, registers: [registry] })
  )
}

export function histogram<T extends string>(
  registry: Registry,
  config: Config<T> & { buckets?: number[] },
): Histogram<T> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<T> | undefined) ??
    new Histogram({ ...config, registers: [registry] })
  )
}

/** Latency buckets (seconds) from 1 ms to 10 s: publishing and handling both live in this range. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
