// Connection settings and error mapping shared by every client the wrapper creates.
import { isIP } from 'node:net'
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
      // SNI only with a name: RFC 6066 forbids an IP there (Node warns on every connection); the certificate is
      // checked against the address dialled either way.
      tlsServerName: resolved.tls.servername ?? resolved.bootstrapBrokers.some((broker) => !isIP(hostOf(broker))),
    }),
  }
}

/** Who the connection authenticates as, for error messages: the principal, never the secret. */
export function principalOf(options: ConnectionOptions | undefined): string {
  const sasl = options?.sasl ?? eventsEnv().kafkaSecurity?.sasl
  return sasl?.username ?? (sasl ? `a ${sasl.mechanism} token` : 'an anonymous client')
}

/** The host of `host:port` (an IPv6 address comes in brackets). */
function hostOf(broker: string): string {
  const host = broker.slice(0, broker.lastIndexOf(':'))
  return host.startsWith('[') ? host.slice(1, -1) : host
}
