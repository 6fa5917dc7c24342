// Connection settings and error mapping shared by every client the wrapper creates.
import type { Static } from 'typebox'
import { eventsEnv } from '../env.ts'
import { resolveOptions } from '../options.ts'
import {
  ConnectionOptionsSchema,
  connectionDefaults,
  type SaslOptionsSchema,
  type TlsOptionsSchema,
} from './options.ts'

export type SaslOptions = Static<typeof SaslOptionsSchema>
export type TlsOptions = Static<typeof TlsOptionsSchema>
export type ConnectionOptions = Partial<Static<typeof ConnectionOptionsSchema>>

export function connection(options: ConnectionOptions | undefined) {
  const env = eventsEnv()
  const fromEnv = { bootstrapBrokers: env.bootstrapBrokers, ...env.kafkaSecurity }
  const resolved = resolveOptions('kafka connection', ConnectionOptionsSchema, connectionDefaults, options, fromEnv)
  return {
    clientId: resolved.clientId,
    bootstrapBrokers: resolved.bootstrapBrokers,
    timeout: resolved.requestTimeoutMs,
    // The client's own retries cover leader moves and metadata refreshes; our callers add backoff on top.
    retries: 3,
    ...(resolved.sasl && { sasl: resolved.sasl }),
    ...(resolved.tls && {
      tls: { ca: resolved.tls.ca, cert: resolved.tls.cert, key: resolved.tls.key, minVersion: 'TLSv1.2' as const },
      tlsServerName: resolved.tls.servername ?? true,
    }),
  }
}

/** Who the connection authenticates as, for error messages: the principal, never the secret. */
export function principalOf(options: ConnectionOptions | undefined): string {
  const sasl = options?.sasl ?? eventsEnv().kafkaSecurity?.sasl
  return sasl?.username ?? (sasl ? `a ${sasl.mechanism} token` : 'an anonymous client')
}
