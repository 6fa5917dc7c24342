// Dead letters: a filtered list, one record inspected (headers, diagnostics, payload, stack), replay one, replay
// many by filter (preview, cap, progress, per-record results) and discard with a reason. Spring's and Connect's
// DLQ records are shown the same way (the backend maps their headers).
import { useState } from 'preact/hooks'
import * as api from '../../api/endpoints.ts'
import type { DlqPage as DlqPageData } from '../../api/types.ts'
import { Badge, ErrorLine, formatTime, Section, useLoad } from '../../components/ui.tsx'
import { type Route, replaceQuery } from '../../router.ts'
import { type Filter, filterKeys, queryOf, statusBadge } from './filter.tsx'
import { Inspect } from './inspect.tsx'
import { ReplayMany } from './replay-many.tsx'

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
  const refresh = () => {
    setTick((n) => n + 1)
    topics.reload()
  }
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
