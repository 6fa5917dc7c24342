// A loopback TCP proxy a test can cut and restore, to make a real dependency (the registry, PostgreSQL, ...)
// unreachable for one client without touching the shared server. Cut: open connections are destroyed and the
// port stops listening, so new ones are refused (ECONNREFUSED), as when the server is down. Restore: listens
// again on the same port and forwards as before.

import net from 'node:net'
import { after } from 'node:test'

export interface TcpProxy {
  readonly port: number
  /** `target` with host and port replaced by the proxy's, e.g. for a URL. */
  readonly url: string
  readonly isCut: boolean
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

/**
 * Starts a proxy to `targetUrl`'s host and port (http:// or postgres:// URL); closed when the test file ends.
 * `closeAfterTests: false` for code that also runs outside the test runner (`npm run chaos`), where a node:test
 * hook would start a test run of its own: the caller closes the proxy itself.
 */
export async function startTcpProxy(targetUrl: string, options: { closeAfterTests?: boolean } = {}): Promise<TcpProxy> {
  const target = new URL(targetUrl)
  const targetHost = target.hostname
  const targetPort = Number(target.port || (target.protocol === 'http:' ? 80 : 5432))
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort })
    sockets.add(client)
    sockets.add(upstream)
    // Either side failing takes the other down with it, as one broken connection would.
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as net.AddressInfo).port)
      })
    })
  const port = await listen(0)
  let cut = false
  let closed = false
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    })
  const proxied = new URL(targetUrl)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(port)
  const proxy: TcpProxy = {
    port,
    url: proxied.toString().replace(/\/$/, targetUrl.endsWith('/') ? '/' : ''),
    get isCut() {
      return cut
    },
    async cut() {
      cut = true
      await stopListening()
    },
    async restore() {
      if (closed || !cut) return
      await listen(port)
      cut = false
    },
    async close() {
      closed = true
      await stopListening()
    },
  }
  if (options.closeAfterTests ?? true) after(() => proxy.close())
  return proxy
}
