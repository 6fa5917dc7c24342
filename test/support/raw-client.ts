// Raw @platformatic/kafka clients (benchmark peers, cluster probes) connect as the library's own clients do: the
// same SASL and TLS settings, from the same env variables (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*).
import { connection } from '../../packages/events/src/kafka/connection.ts'

/** `sasl`, `tls` and `tlsServerName` for a raw client; none of them on a plaintext connection. */
export function rawClientSecurity() {
  const { sasl, tls, tlsServerName } = connection(undefined)
  return { ...(sasl && { sasl }), ...(tls && { tls, tlsServerName }) }
}
