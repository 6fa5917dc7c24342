import type { FastifyReply, FastifyRequest } from 'fastify'
import { consoleError } from '../errors.ts'
import { toJson } from '../ops/format.ts'

// A server-sent event stream on a hijacked reply: `send(event, data)` writes one event; the stream ends when the
// client goes away (the returned signal aborts) or the producer stops.

const KEEPALIVE_MS = 15_000
/** Open streams per console process: each polls Kafka, so their number is bounded (CONSOLE_MAX_STREAMS). */
let maxStreams = 100
let open = 0

export function limitEventStreams(max: number): void {
  maxStreams = max
}

export interface EventStream {
  send(event: string, data: unknown): void
  signal: AbortSignal
  end(): void
}

export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  if (open >= maxStreams)
    throw consoleError('CONSOLE_BUSY', `${maxStreams} live streams are open already: close one (another tab?)`, {
      headers: { 'retry-after': '5' },
    })
  open++
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-request-id': request.id,
  })
  // Headers now, not with the first event: a client waits for them before it reads anything.
  raw.flushHeaders()
  const controller = new AbortController()
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS)
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    open--
    clearInterval(keepalive)
    controller.abort()
  }
  request.raw.once('close', stop)
  raw.once('close', stop)
  return {
    signal: controller.signal,
    send(event, data) {
      if (!controller.signal.aborted) raw.write(`event: ${event}\ndata: ${toJson(data)}\n\n`)
    },
    end() {
      stop()
      raw.end()
    },
  }
}

/** Runs `sample` every `periodMs` and sends each result (or `failure`) until the client leaves. */
export async function streamSamples(
  stream: EventStream,
  periodMs: number,
  sample: () => Promise<unknown | undefined>,
): Promise<void> {
  while (!stream.signal.aborted) {
    try {
      const value = await sample()
      if (value !== undefined) stream.send('sample', value)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      stream.send('failure', {
        code: typeof code === 'string' ? code : 'INTERNAL_ERROR',
        message: String((error as Error).message),
      })
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, periodMs)
      stream.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve(undefined)
        },
        { once: true },
      )
    })
  }
  stream.end()
}
