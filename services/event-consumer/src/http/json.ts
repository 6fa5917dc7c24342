import type { FastifyReply } from 'fastify'

// Kafka offsets are bigints, which JSON.stringify refuses; on the wire they are decimal strings (an offset can
// exceed 2^53). Dates become ISO-8601 strings through their own toJSON.
const bigintAsString = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)

export function sendJson(reply: FastifyReply, body: unknown, statusCode = 200): FastifyReply {
  return reply.code(statusCode).type('application/json; charset=utf-8').send(JSON.stringify(body, bigintAsString))
}
