import { isIP } from 'node:net'
import { ConfigError } from '@grimos/service-kit'

/**
 * Which peers may set X-Forwarded-For: none (`false`), the nearest N hops, or the proxies at these addresses.
 * Never every peer: then any client could name its own address and walk around the rate limits.
 */
export type TrustProxy = false | number | string[]

const variable = 'TRUST_PROXY'

/**
 * `false` (or `0`), a hop count (`1`..`10`), or a comma-separated list of IP addresses and CIDR blocks.
 * `true` is refused: it would trust whatever address a client writes into the header.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim()
  if (value === '' || value === 'false' || value === '0') return false
  if (value === 'true' || value === '*') {
    throw new ConfigError(variable, 'must be a hop count or a list of proxy CIDRs, never "true" (trust every client)')
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    if (hops > 10) throw new ConfigError(variable, `hop count must be 0..10 (got ${value})`)
    return hops
  }
  const entries = value.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    if (!isCidrOrAddress(entry)) {
      throw new ConfigError(variable, `entry ${JSON.stringify(entry)} is neither an IP address nor a CIDR block`)
    }
  }
  return entries
}

function isCidrOrAddress(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/')
  if (rest.length > 0 || address === undefined) return false
  const family = isIP(address)
  if (family === 0) return false
  if (prefix === undefined) return true
  if (!/^\d{1,3}$/.test(prefix)) return false
  const bits = Number(prefix)
  if (bits > (family === 4 ? 32 : 128)) return false
  // A prefix of 0 is "trust all" spelled as a network.
  return bits > 0
}

/**
 * What Fastify takes: the list as is, a hop count as a function, since Fastify 5 fails closed on a bare number.
 * With N hops the N nearest peers are believed, so the service must be reachable only through those proxies;
 * a list of proxy CIDRs is safer wherever the addresses are known.
 */
export function proxyTrust(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust
  if (trust === 0) return false
  return (_address, hop) => hop < trust
}
