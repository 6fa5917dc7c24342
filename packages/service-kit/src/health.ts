import type { FastifyInstance } from 'fastify'

/** `true` when fine; a map names each dependency (e.g. `{ database: true, kafka: false }`). */
export type HealthResult = boolean | Record<string, boolean>

export interface HealthChecks {
  live(): Promise<HealthResult> | HealthResult
  ready(): Promise<HealthResult> | HealthResult
}

export interface HealthRouteOptions {
  /** A check that takes longer counts as failed, so a hung dependency never hangs the probe. Default 2 s. */
  timeoutMs?: number
  prefix?: string
}

const HealthBodySchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'fail'] },
    checks: { type: 'object', additionalProperties: { type: 'boolean' } },
  },
  required: ['status'],
} as const

/** `GET /health/live` and `GET /health/ready`: 200 `{ status: 'ok' }` or 503 `{ status: 'fail', checks }`. */
export function registerHealthRoutes(app: FastifyInstance, checks: HealthChecks, options: HealthRouteOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 2_000
  const prefix = options.prefix ?? '/health'
  for (const [name, check] of [
    ['live', checks.live],
    ['ready', checks.ready],
  ] as const) {
    app.get(
      `${prefix}/${name}`,
      {
        schema: { tags: ['health'], response: { 200: HealthBodySchema, 503: HealthBodySchema } },
      },
      async (request, reply) => {
        const result = await runCheck(() => check.call(checks), timeoutMs).catch((error: unknown) => {
          request.log.warn({ err: error, probe: name }, 'health check failed')
          return false
        })
        const ok = typeof result === 'boolean' ? result : Object.values(result).every(Boolean)
        const body = typeof result === 'boolean' ? {} : { checks: result }
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'fail', ...body })
      },
    )
  }
}

async function runCheck(check: () => Promise<HealthResult> | HealthResult, timeoutMs: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`health check took longer than ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([Promise.resolve().then(check), timeout])
  } finally {
    clearTimeout(timer)
  }
}
