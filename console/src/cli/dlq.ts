import { USER_EVENTS_TOPIC } from '@grimos/events'
import { CliError } from './api-backend.ts'
import { type Flags, int, position, type Spec, str, time } from './args.ts'
import type { Backend } from './backend.ts'
import { ProgressBar, printJson, printTable } from './output.ts'

// grimos dlq list | inspect | replay (one, or --all: a capped preview, then --yes) | discard.

const dlqTopic = (flags: Flags) => str(flags, 'topic') ?? `${USER_EVENTS_TOPIC}.dlq`
export const dlqFilterSpec: Spec = {
  topic: { type: 'string' },
  status: { type: 'string' },
  'event-type': { type: 'string' },
  'error-class': { type: 'string' },
  key: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  yes: { type: 'boolean' },
  force: { type: 'boolean' },
  reason: { type: 'string' },
}

function dlqFilter(flags: Flags) {
  const status = str(flags, 'status')
  if (status !== undefined && !['pending', 'replayed', 'discarded', 'all'].includes(status))
    throw new CliError(`--status is pending, replayed, discarded or all; got ${status}`)
  return {
    status,
    event_type: str(flags, 'event-type'),
    error_class: str(flags, 'error-class'),
    key: str(flags, 'key'),
    from: time(flags, 'from'),
    to: time(flags, 'to'),
  }
}

export async function dlq(backend: Backend, flags: Flags, positionals: string[]): Promise<void> {
  const [action, target] = positionals
  const topic = dlqTopic(flags)
  const json = flags.json === true
  if (action === 'list') {
    const page = await backend.dlqList(topic, {
      ...dlqFilter(flags),
      limit: int(flags, 'limit', 1, 1000),
      cursor: str(flags, 'cursor'),
    })
    if (json) return printJson(page)
    printTable(
      ['record', 'dead-lettered', 'status', 'event type', 'error', 'replays', 'format'],
      page.records.map((r) => [
        `${r.partition}/${r.offset}`,
        r.timestamp,
        r.status,
        r.eventType,
        `${r.info.errorClass ?? '?'}: ${(r.info.errorMessage ?? '').slice(0, 60)}`,
        r.replayCount,
        r.info.format,
      ]),
    )
    if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`)
    return
  }
  if (action === 'inspect') {
    const { partition, offset } = position(target)
    return printJson(await backend.dlqInspect(topic, partition, offset))
  }
  if (action === 'replay' && flags.all) {
    const limit = int(flags, 'limit', 1, 1000) ?? 100
    const filter = dlqFilter(flags)
    const preview = await backend.dlqReplayMany(topic, { ...filter, limit, dryRun: true })
    const records = preview.preview ?? []
    if (!flags.yes) {
      if (json) return printJson(preview)
      process.stdout.write(`${records.length} record(s) would be replayed (cap ${limit}); add --yes to replay them:\n`)
      for (const r of records)
        process.stdout.write(`  ${r.partition}/${r.offset} ${r.eventType ?? '?'} ${r.info.errorClass ?? ''}\n`)
      return
    }
    const bar = new ProgressBar('replaying', records.length)
    const results = []
    for (let i = 0; i < records.length; i += 50) {
      const chunk = records.slice(i, i + 50).map((r) => ({ partition: r.partition, offset: r.offset }))
      const done = await backend.dlqReplayMany(topic, {
        positions: chunk,
        limit: chunk.length,
        dryRun: false,
        force: flags.force === true,
        reason: str(flags, 'reason'),
      })
      results.push(...(done.results ?? []))
      bar.update(results.length)
    }
    bar.finish()
    const replayed = results.filter((r) => r.ok).length
    if (json) return printJson({ topic, replayed, skipped: results.length - replayed, results })
    for (const r of results)
      process.stdout.write(
        `${r.partition}/${r.offset} ${r.ok ? `replayed to ${r.to?.topic}/${r.to?.partition}/${r.to?.offset}` : `skipped: ${r.code} ${r.reason}`}\n`,
      )
    process.stdout.write(`${replayed} replayed, ${results.length - replayed} skipped\n`)
    return
  }
  if (action === 'replay') {
    const { partition, offset } = position(target)
    const outcome = await backend.dlqReplay(topic, partition, offset, {
      force: flags.force === true || undefined,
      reason: str(flags, 'reason'),
    })
    if (json) return printJson(outcome)
    process.stdout.write(
      `replayed ${partition}/${offset} to ${outcome.to?.topic}/${outcome.to?.partition}/${outcome.to?.offset} (replay ${outcome.replayCount})\n`,
    )
    return
  }
  if (action === 'discard') {
    const { partition, offset } = position(target)
    const reason = str(flags, 'reason')
    if (!reason) throw new CliError('dlq discard needs --reason "<why>"')
    const record = await backend.dlqDiscard(topic, partition, offset, reason)
    if (json) return printJson(record)
    process.stdout.write(`discarded ${partition}/${offset}: ${reason}\n`)
    return
  }
  throw new CliError('dlq needs list, inspect <p/o>, replay <p/o> | replay --all [--yes], or discard <p/o> --reason')
}
