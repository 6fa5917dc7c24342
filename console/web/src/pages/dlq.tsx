// Dead letters: a filtered list, one record inspected (headers, diagnostics, payload, stack), replay one, replay
// many by filter (preview, cap, progress, per-record results) and discard with a reason. Spring's and Connect's
// DLQ records are shown the same way (the backend maps their headers).
import { useState } from 'preact/hooks'
import { describeError } from '../api/client.ts'
import * as api from '../api/endpoints.ts'
import type { DlqListQuery, DlqPage as DlqPageData, DlqRecord, ReplayManyAnswer, ReplayOutcome } from '../api/types.ts'
import { Badge, Confirm, ErrorLine, formatTime, Json, Progress, Section, useLoad } from '../components/ui.tsx'
import { href, type Route, replaceQuery } from '../router.ts'
import { useCanWrite } from '../session.tsx'

/** Positions per request of a bulk replay: small enough for the progress bar to move. */
const replayChunk = 20
const filterKeys = ['status', 'event_type', 'error_class', 'key', 'from', 'to'] as const
type Filter = Record<(typeof filterKeys)[number], string>

function toIso(local: string): string | undefined {
  if (!local) return undefined
  const date = new Date(local)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function queryOf(filter: Filter): Partial<DlqListQuery> {
  return {
    status: (filter.status || 'pending') as DlqListQuery['status'],
    event_type: filter.event_type || undefined,
    error_class: filter.error_class || undefined,
    key: filter.key || undefined,
    from: toIso(filter.from),
    to: toIso(filter.to),
  }
}

function statusBadge(status: DlqRecord['status']) {
  return <Badge kind={status === 'pending' ? 'warn' : status === 'replayed' ? 'ok' : 'bad'}>{status}</Badge>
}

export function DlqPage({ route }: { route: Route }) {
  const topics = useLoad((signal) => api.dlqTopics({ signal }), [])
  const [topic, setTopic] = useState(route.query.get('topic') ?? '')
  const chosen = topic || topics.data?.topics[0]?.topic || ''
  const [filter, setFilter] = useState<Filter>(
    () => Object.fromEntries(filterKeys.map((k) => [k, route.query.get(k) ?? ''])) as Filter,
  )
  const [applied, setApplied] = useState(filter)
  const [cursor, setCursor] = useState<string>()
  const [tick, setTick] = useState(0)
  const page = useLoad<DlqPageData | undefined>(
    (signal) =>
      chosen
        ? api.dlqRecords(chosen, { ...queryOf(applied), limit: 50, cursor }, { signal })
        : Promise.resolve(undefined),
    [chosen, applied, cursor, tick],
  )
  const [open, setOpen] = useState<{ partition: number; offset: string }>()
  const refresh = () => setTick((n) => n + 1)
  const set = (key: keyof Filter) => (event: Event) =>
    setFilter((previous) => ({ ...previous, [key]: (event.currentTarget as HTMLInputElement).value }))
  const search = (event: Event) => {
    event.preventDefault()
    setCursor(undefined)
    setApplied(filter)
    replaceQuery({ topic: chosen, ...filter })
  }
  return (
    <div>
      <Section title="Filter">
        <ErrorLine error={topics.error} />
        <form class="row" onSubmit={search}>
          <label>
            DLQ topic
            <select name="topic" value={chosen} onChange={(e) => setTopic(e.currentTarget.value)}>
              {topics.data?.topics.map((t) => (
                <option key={t.topic} value={t.topic}>
                  {t.topic} ({t.messages})
                </option>
              ))}
            </select>
          </label>
          <label>
            status
            <select name="status" value={filter.status} onChange={set('status')}>
              <option value="">pending</option>
              <option value="replayed">replayed</option>
              <option value="discarded">discarded</option>
              <option value="all">all</option>
            </select>
          </label>
          <label>
            error code / class
            <input
              name="error_class"
              value={filter.error_class}
              onInput={set('error_class')}
              placeholder="GRIM_HANDLER_FAILED"
            />
          </label>
          <label>
            event type
            <input name="event_type" value={filter.event_type} onInput={set('event_type')} />
          </label>
          <label>
            key
            <input name="key" value={filter.key} onInput={set('key')} />
          </label>
          <label>
            from
            <input name="from" type="datetime-local" step="1" value={filter.from} onInput={set('from')} />
          </label>
          <label>
            to
            <input name="to" type="datetime-local" step="1" value={filter.to} onInput={set('to')} />
          </label>
          <button class="primary" type="submit">
            Search
          </button>
        </form>
        {topics.data && !topics.data.topics.length ? <p class="muted">No DLQ topics yet: nothing has failed.</p> : null}
      </Section>
      <Section
        title={`Records${page.data ? ` (${page.data.records.length}${page.data.nextCursor ? '+' : ''})` : ''}`}
        actions={
          <>
            <button type="button" onClick={refresh}>
              Refresh
            </button>
            <button type="button" disabled={!cursor} onClick={() => setCursor(undefined)}>
              First page
            </button>
            <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursor(page.data?.nextCursor)}>
              Next page
            </button>
          </>
        }
      >
        <ErrorLine error={page.error} />
        <table data-testid="dlq-records">
          <thead>
            <tr>
              <th class="num">p/offset</th>
              <th>dead-lettered</th>
              <th>event</th>
              <th>event_id</th>
              <th>error</th>
              <th class="num">attempts</th>
              <th>status</th>
              <th class="num">replays</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.records.map((r) => {
              const selected = open?.partition === r.partition && open.offset === r.offset
              return (
                <tr
                  key={`${r.partition}/${r.offset}`}
                  data-event-id={r.eventId}
                  data-position={`${r.partition}/${r.offset}`}
                  class={`clickable ${selected ? 'selected' : ''}`}
                  onClick={() => setOpen({ partition: r.partition, offset: r.offset })}
                >
                  <td class="num">
                    {r.partition}/{r.offset}
                  </td>
                  <td class="small">{formatTime(r.timestamp)}</td>
                  <td>
                    {r.eventType ?? '–'}{' '}
                    {r.info.format !== 'grimos' ? <Badge kind="info">{r.info.format}</Badge> : null}
                  </td>
                  <td class="mono small">{r.eventId ?? '–'}</td>
                  <td class="small">
                    <code>{r.info.errorClass ?? '–'}</code> {r.info.errorMessage?.slice(0, 80)}
                  </td>
                  <td class="num">{r.info.attempts ?? '–'}</td>
                  <td>{statusBadge(r.status)}</td>
                  <td class="num">{r.replayCount}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
        {page.data && !page.data.records.length ? <p class="muted">No records match.</p> : null}
      </Section>
      {open && chosen ? (
        <Inspect key={`${open.partition}/${open.offset}`} topic={chosen} {...open} version={tick} onChanged={refresh} />
      ) : null}
      {chosen ? <ReplayMany topic={chosen} filter={applied} onDone={refresh} /> : null}
    </div>
  )
}

function Inspect({
  topic,
  partition,
  offset,
  version,
  onChanged,
}: {
  topic: string
  partition: number
  offset: string
  /** Bumped after a change: the record is read again, the outcome shown stays. */
  version: number
  onChanged: () => void
}) {
  const canWrite = useCanWrite()
  const record = useLoad(
    (signal) => api.dlqRecord(topic, partition, offset, { signal }),
    [topic, partition, offset, version],
  )
  const [action, setAction] = useState<'replay' | 'discard'>()
  const [reason, setReason] = useState('')
  const [force, setForce] = useState(false)
  const [outcome, setOutcome] = useState<string>()
  const r = record.data
  const info = r?.info
  const diagnostics: [string, unknown][] = info
    ? [
        ['format', info.format],
        ['original topic', info.originalTopic],
        [
          'original partition / offset',
          info.originalPartition !== undefined ? `${info.originalPartition} / ${info.originalOffset}` : undefined,
        ],
        ['original time', info.originalTimestamp && formatTime(info.originalTimestamp)],
        ['consumer group', info.consumerGroup],
        ['error', info.errorClass],
        ['message', info.errorMessage],
        ['attempts', info.attempts],
        ['first failure', info.firstFailureAt && formatTime(info.firstFailureAt)],
        ['last failure', info.lastFailureAt && formatTime(info.lastFailureAt)],
        ['replays', r?.replayCount],
        ['replayed from', info.replayedFrom],
        ['traceparent', info.traceparent],
        ...Object.entries(info.extra),
      ]
    : []
  return (
    <Section
      title={`Record ${topic} [${partition}] @${offset}`}
      actions={
        r && canWrite ? (
          <>
            <button type="button" class="primary" onClick={() => setAction('replay')} data-testid="replay-one">
              Replay
            </button>
            <button type="button" onClick={() => setAction('discard')} disabled={r.status === 'discarded'}>
              Discard…
            </button>
          </>
        ) : r ? (
          <span class="small muted">viewer: replay and discard are for operators</span>
        ) : null
      }
    >
      <ErrorLine error={record.error} />
      {outcome ? (
        <p class="notice" data-testid="dlq-outcome">
          {outcome}
        </p>
      ) : null}
      {r ? (
        <div class="stack">
          <div>
            {statusBadge(r.status)} {r.statusReason ? <span class="small">{r.statusReason}</span> : null}{' '}
            {r.statusBy ? (
              <span class="small muted">
                by {r.statusBy} at {formatTime(r.statusAt)}
              </span>
            ) : null}{' '}
            {r.eventId ? <a href={href('/trace', { event_id: r.eventId })}>trace this event</a> : null}
          </div>
          <div class="grid2">
            <div>
              <h3>Diagnostics</h3>
              <table data-testid="diagnostics">
                <tbody>
                  {diagnostics
                    .filter(([, v]) => v !== undefined && v !== '')
                    .map(([k, v]) => (
                      <tr key={k}>
                        <td class="muted">{k}</td>
                        <td class="mono small">{String(v)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
              <h3>Headers</h3>
              <table>
                <tbody>
                  {Object.entries(r.headers).map(([k, v]) => (
                    <tr key={k}>
                      <td class="mono small">{k}</td>
                      <td class="mono small" style="word-break: break-all">
                        {v}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="stack">
              <h3>Payload {r.eventType ? `(${r.eventType})` : ''}</h3>
              {r.decodeError ? <p class="error">{r.decodeError}</p> : null}
              <Json value={r.decoded ?? null} />
              {info?.errorStack ? (
                <details>
                  <summary>stack trace</summary>
                  <pre class="json">{info.errorStack}</pre>
                </details>
              ) : null}
            </div>
          </div>
        </div>
      ) : null}
      {action === 'replay' && r ? (
        <Confirm
          title="Replay this record?"
          confirmLabel="Replay"
          onCancel={() => setAction(undefined)}
          onConfirm={async () => {
            const result = await api.dlqReplay(topic, partition, offset, {
              force: force || undefined,
              reason: reason || undefined,
            })
            setAction(undefined)
            setOutcome(
              result.ok
                ? `Replayed to ${result.to?.topic} [${result.to?.partition}] @${result.to?.offset} (replay ${result.replayCount}).`
                : `Not replayed: ${result.code}: ${result.reason}`,
            )
            onChanged()
          }}
        >
          <p>
            The original bytes and headers go back to <code>{r.info.originalTopic ?? 'the source topic'}</code>; the
            consumer handles them again.
          </p>
          {r.status !== 'pending' ? (
            <label class="check">
              <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> it was{' '}
              {r.status} already: replay anyway
            </label>
          ) : null}
          <label>
            reason (optional, goes to the audit log)
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
        </Confirm>
      ) : null}
      {action === 'discard' && r ? (
        <Confirm
          title="Discard this record?"
          confirmLabel="Discard"
          danger
          onCancel={() => setAction(undefined)}
          onConfirm={async () => {
            if (!reason.trim()) throw new Error('a reason is required')
            await api.dlqDiscard(topic, partition, offset, reason.trim())
            setAction(undefined)
            setOutcome('Discarded.')
            onChanged()
          }}
        >
          <p>It stays in the topic, marked discarded: it will not be replayed by a bulk replay.</p>
          <label>
            reason (required)
            <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
        </Confirm>
      ) : null}
    </Section>
  )
}

function ReplayMany({ topic, filter, onDone }: { topic: string; filter: Filter; onDone: () => void }) {
  const canWrite = useCanWrite()
  const [cap, setCap] = useState(100)
  const [preview, setPreview] = useState<ReplayManyAnswer>()
  const [confirming, setConfirming] = useState(false)
  const [results, setResults] = useState<ReplayOutcome[]>([])
  const [total, setTotal] = useState(0)
  const [running, setRunning] = useState(false)
  const [error, setError] = useState<unknown>()
  if (!canWrite) return null
  const query = queryOf(filter)
  const runPreview = async () => {
    setError(undefined)
    setResults([])
    try {
      setPreview(await api.dlqReplayMany(topic, { ...query, limit: cap, dryRun: true }))
    } catch (caught) {
      setError(caught)
    }
  }
  const apply = async () => {
    const positions = (preview?.preview ?? []).map((r) => ({ partition: r.partition, offset: r.offset }))
    setConfirming(false)
    setPreview(undefined)
    setRunning(true)
    setTotal(positions.length)
    const collected: ReplayOutcome[] = []
    try {
      for (let i = 0; i < positions.length; i += replayChunk) {
        const chunk = positions.slice(i, i + replayChunk)
        const answer = await api.dlqReplayMany(topic, { positions: chunk, limit: chunk.length, dryRun: false })
        collected.push(...(answer.results ?? []))
        setResults([...collected])
      }
    } catch (caught) {
      setError(new Error(`stopped after ${collected.length} of ${positions.length}: ${describeError(caught)}`))
    } finally {
      setRunning(false)
      onDone()
    }
  }
  return (
    <Section title="Replay many by filter">
      <p class="small muted">
        Uses the filter above (status {query.status}
        {query.error_class ? `, error ${query.error_class}` : ''}
        {query.event_type ? `, type ${query.event_type}` : ''}
        {query.key ? `, key ${query.key}` : ''}
        {query.from || query.to ? `, ${query.from ?? '…'} to ${query.to ?? '…'}` : ''}). A preview first; at most the
        cap is replayed.
      </p>
      <div class="row">
        <label>
          cap
          <input
            type="number"
            min={1}
            max={1000}
            value={cap}
            onInput={(e) => setCap(Math.max(1, Math.min(1000, Number(e.currentTarget.value) || 1)))}
          />
        </label>
        <button type="button" onClick={runPreview} disabled={running}>
          Preview
        </button>
      </div>
      <ErrorLine error={error} />
      {preview ? (
        <div class="stack" data-testid="replay-preview">
          <p>
            {preview.preview?.length ?? 0} records would be replayed
            {(preview.preview?.length ?? 0) >= cap ? ' (the cap: more may match)' : ''}.
          </p>
          <table>
            <tbody>
              {preview.preview?.slice(0, 20).map((r) => (
                <tr key={`${r.partition}/${r.offset}`}>
                  <td class="num">
                    {r.partition}/{r.offset}
                  </td>
                  <td>{r.eventType}</td>
                  <td class="mono small">{r.eventId}</td>
                  <td class="small">{r.info.errorClass}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {(preview.preview?.length ?? 0) > 20 ? (
            <p class="muted small">… and {(preview.preview?.length ?? 0) - 20} more</p>
          ) : null}
          <div>
            <button
              type="button"
              class="primary"
              disabled={!preview.preview?.length}
              onClick={() => setConfirming(true)}
            >
              Replay {preview.preview?.length ?? 0} records…
            </button>
          </div>
        </div>
      ) : null}
      {running || results.length ? <Progress done={results.length} total={total} label="replayed" /> : null}
      {results.length ? (
        <table data-testid="replay-results">
          <thead>
            <tr>
              <th class="num">p/offset</th>
              <th>result</th>
              <th>to / why</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={`${r.partition}/${r.offset}`}>
                <td class="num">
                  {r.partition}/{r.offset}
                </td>
                <td>{r.ok ? <Badge kind="ok">replayed</Badge> : <Badge kind="bad">{r.code ?? 'skipped'}</Badge>}</td>
                <td class="small mono">{r.ok ? `${r.to?.topic} [${r.to?.partition}] @${r.to?.offset}` : r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirming && preview ? (
        <Confirm
          title={`Replay ${preview.preview?.length ?? 0} records from ${topic}?`}
          confirmLabel="Replay them"
          onCancel={() => setConfirming(false)}
          onConfirm={apply}
        >
          <p>
            Each record goes back to its source topic, in chunks of {replayChunk}; the results are listed per record.
          </p>
        </Confirm>
      ) : null}
    </Section>
  )
}
