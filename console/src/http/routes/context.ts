import type { Database } from '@grimos/events'
import { validationFailed } from '@grimos/service-kit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { recordAudit } from '../../auth/audit.ts'
import { toJson } from '../../ops/format.ts'
import type { ConsoleOps } from '../../ops/index.ts'
import { principalOf } from '../access.ts'

export interface RouteContext {
  console: ConsoleOps
  db: Database
  sampleMs: number
}

const maxOffset = 2n ** 63n - 1n

/** A date-time the format admits but Date cannot hold (a leap second) is refused, never read as "no bound". */
export function instant(value: string | undefined, field: string, location = 'querystring'): Date | undefined {
  if (value === undefined) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime()))
    throw validationFailed([{ field, rule: 'format', message: 'must be a date-time that names an instant', location }])
  return date
}

export function offsetOf(value: string | undefined, field = 'offset', location = 'params'): bigint | undefined {
  if (value === undefined) return undefined
  const offset = BigInt(value)
  if (offset > maxOffset)
    throw validationFailed([{ field, rule: 'maximum', message: `must be at most ${maxOffset} (int64)`, location }])
  return offset
}

export function sendJson(reply: FastifyReply, body: unknown, statusCode = 200): FastifyReply {
  return reply.code(statusCode).type('application/json; charset=utf-8').send(toJson(body))
}

/** Appends the write action to the audit log as the authenticated principal. */
export async function audit(
  ctx: RouteContext,
  request: FastifyRequest,
  action: string,
  target: string,
  details?: unknown,
): Promise<void> {
  const principal = principalOf(request)
  await recordAudit(ctx.db, { principal: principal.username, action, target, details })
  request.log.info({ operator: principal.username, action, target }, 'console write action')
}

export const operatorOnly = { config: { role: 'operator' as const } }
