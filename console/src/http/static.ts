import { existsSync } from 'node:fs'
import fastifyStatic from '@fastify/static'
import type { ServiceApp } from '@grimos/service-kit'

// The built front end (console/web/dist) at `/`: its files as they are, and index.html for any other GET outside
// /api and /health, so the front end's own routes (/dlq, /messages/…) survive a reload or a shared link.

export async function registerFrontEnd(app: ServiceApp, webDir: string): Promise<void> {
  if (!existsSync(webDir)) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(`grimOS console API: the web front end is not built (${webDir} is missing)\n`),
    )
    return
  }
  // wildcard: false serves the files present at start (the build runs before the console starts).
  await app.register(fastifyStatic, { root: webDir, prefix: '/', index: 'index.html', wildcard: false })
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (path.startsWith('/api/') || path.startsWith('/health/') || /\.[a-z0-9]{1,8}$/i.test(path))
      return reply.callNotFound()
    return reply.type('text/html; charset=utf-8').sendFile('index.html')
  })
}
