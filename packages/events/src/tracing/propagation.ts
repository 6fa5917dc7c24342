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

/**
 * Runs `work` in a producer span; records failures on the span. Consumers get no span of their own yet: the
 * producer's `traceparent` travels in the record's headers (HandledRecord.headers), untouched through retries,
 * the DLQ and replays, for a handler that starts one.
 */
export async function withProducerSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
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
