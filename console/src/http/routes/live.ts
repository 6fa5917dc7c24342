import type { ServiceApp } from '@grimos/service-kit'
import { lagSample, sampleOffsets, throughput } from '../../ops/index.ts'
import { GroupParams } from '../schemas/index.ts'
import { openEventStream, streamSamples } from '../sse.ts'
import type { RouteContext } from './context.ts'

export function registerLiveRoutes(app: ServiceApp, ctx: RouteContext): void {
  const { ops } = ctx.console
  app.get('/api/live/throughput', async (request, reply) => {
    const stream = openEventStream(request, reply)
    let last: Awaited<ReturnType<typeof sampleOffsets>> | undefined
    await streamSamples(stream, ctx.sampleMs, async () => {
      const now = await sampleOffsets(ops)
      const sample = last ? throughput(last, now) : undefined
      last = now
      return sample
    })
  })
  app.get('/api/live/groups/:group/lag', { schema: { params: GroupParams } }, async (request, reply) => {
    const stream = openEventStream(request, reply)
    await streamSamples(stream, ctx.sampleMs, () => lagSample(ops, request.params.group))
  })
}
