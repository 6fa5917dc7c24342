import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { messageOf } from '../errors.ts'

// Tracing goes through the OpenTelemetry API only: until a service installs an SDK (and with it a W3C
// propagator), spans are no-ops and no traceparent is written. Nothing here costs more than a few calls then.

const tracer = trace.getTracer('@grimos/events')

/** Adds `traceparent` (and `tracestate`) for the active context to `headers`, when a propagator is set. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers)
  return headers
}

/** Runs `work` in a producer/consumer span; records failures on the span. */
export async function withSpan<T>(
  name: string,
  kind: 'producer' | 'consumer',
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
  parentHeaders?: Map<string, Buffer>,
): Promise<T> {
  const parent = parentHeaders
    ? propagation.extract(context.active(), parentHeaders, {
        get: (carrier, key) => carrier.get(key)?.toString(),
        keys: (carrier) => [...carrier.keys()],
      })
    : context.active()
  const spanKind = kind === 'producer' ? SpanKind.PRODUCER : SpanKind.CONSUMER
  return tracer.startActiveSpan(name, { kind: spanKind, attributes }, parent, async (span) => {
    try {
      return await work(span)
    } catch (error) {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) })
      throw error
    } finally {
      span.end()
    }
  })
}
