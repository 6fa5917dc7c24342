// Browse a topic by partition, offset or time, decoded through the registry; filter by key, event type,
// event_id, user_id; page on the server; or tail live.
import { useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import { useEventStream } from '../api/sse.ts'
import type { Message, MessagePage, MessageQuery } from '../api/types.ts'
import { MessageDetail } from '../components/message.tsx'
import { ErrorLine, formatTime, Section, toIso, useLoad } from '../components/ui.tsx'
import { href, type Route, replaceQuery } from '../router.ts'

const filterKeys = ['partition', 'offset', 'from', 'to', 'order', 'key', 'event_type', 'event_id', 'user_id'] as const
type Form = Record<(typeof filterKeys)[number], string>

/** How many tailed records stay on the page; older ones drop off. */
const maxTailed = 500

function queryOf(form: Form, limit: number): Partial<MessageQuery> {
  return {
    limit,
    partition: form.partition === '' ? undefined : Number(form.partition),
    offset: form.offset || undefined,
    from: toIso(form.from),
    to: toIso(form.to),
    order: (form.order || undefined) as MessageQuery['order'],
    key: form.key || undefined,
    event_type: form.event_type || undefined,
    event_id: form.event_id || undefined,
    user_id: form.user_id || undefined,
  }
}

export function MessagesPage({ route }: { route: Route }) {
  const topics = useLoad((signal) => api.topics({ signal }), [])
  const [topic, setTopic] = useState(route.query.get('topic') ?? 'grimos.user-events')
  const initial = Object.fromEntries(filterKeys.map((k) => [k, route.query.get(k) ?? ''])) as Form
  const [form, setForm] = useState<Form>(initial)
  const [limit, setLimit] = useState(50)
  const [page, setPage] = useState<MessagePage>()
  const [cursors, setCursors] = useState<string[]>([])
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [tailing, setTailing] = useState(false)
  const [tailed, setTailed] = useState<Message[]>([])
  const [open, setOpen] = useState<string>()
  const [took, setTook] = useState<number>()

  const load = async (cursor?: string) => {
    setBusy(true)
    setError(undefined)
    const started = performance.now()
    try {
      const answer = await api.messages(topic, { ...queryOf(form, limit), cursor })
      setPage(answer)
      setTook(performance.now() - started)
      setCursors((previous) => (cursor ? [...previous, cursor] : []))
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  const search = (event?: Event) => {
    event?.preventDefault()
    setTailing(false)
    replaceQuery({ topic, ...form })
    void load()
  }
  const set = (key: keyof Form) => (event: Event) =>
    setForm((previous) => ({ ...previous, [key]: (event.currentTarget as HTMLInputElement).value }))

  const tailQuery = queryOf(form, limit)
  const stream = useEventStream<Message>(
    tailing ? api.tailPath(topic) : undefined,
    {
      partition: tailQuery.partition,
      from: tailQuery.from,
      key: tailQuery.key,
      event_type: tailQuery.event_type,
      event_id: tailQuery.event_id,
      user_id: tailQuery.user_id,
    },
    (message) => setTailed((previous) => [message, ...previous].slice(0, maxTailed)),
  )
  const rows = tailing ? tailed : (page?.messages ?? [])

  return (
    <div>
      <Section title="Query">
        <form class="stack" onSubmit={search}>
          <div class="row">
            <label>
              topic
              <select name="topic" value={topic} onChange={(e) => setTopic(e.currentTarget.value)}>
                {(topics.data?.topics.map((t) => t.name) ?? [topic]).map((name) => (
                  <option key={name}>{name}</option>
                ))}
                {topics.data && !topics.data.topics.some((t) => t.name === topic) ? <option>{topic}</option> : null}
              </select>
            </label>
            <label>
              partition
              <input name="partition" size={4} value={form.partition} onInput={set('partition')} placeholder="all" />
            </label>
            <label>
              offset
              <input
                name="offset"
                size={10}
                value={form.offset}
                onInput={set('offset')}
                placeholder="needs partition"
              />
            </label>
            <label>
              from
              <input name="from" type="datetime-local" step="1" value={form.from} onInput={set('from')} />
            </label>
            <label>
              to
              <input name="to" type="datetime-local" step="1" value={form.to} onInput={set('to')} />
            </label>
            <label>
              order
              <select name="order" value={form.order} onChange={set('order')}>
                <option value="">newest first</option>
                <option value="oldest">oldest first</option>
              </select>
            </label>
            <label>
              page size
              <select value={limit} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
                {[20, 50, 100, 200, 500].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
          </div>
          <div class="row">
            <label>
              key
              <input name="key" value={form.key} onInput={set('key')} />
            </label>
            <label>
              event type
              <input name="event_type" value={form.event_type} onInput={set('event_type')} />
            </label>
            <label>
              event_id
              <input name="event_id" size={38} value={form.event_id} onInput={set('event_id')} />
            </label>
            <label>
              user_id
              <input name="user_id" value={form.user_id} onInput={set('user_id')} />
            </label>
            <button class="primary" type="submit" disabled={busy}>
              {busy ? 'Reading…' : 'Search'}
            </button>
            <button
              type="button"
              onClick={() => {
                setTailed([])
                setTailing(!tailing)
              }}
            >
              {tailing ? 'Stop tail' : 'Tail live'}
            </button>
            {tailing ? <span class={`live ${stream.connected ? 'on' : ''}`}>tailing {topic}</span> : null}
          </div>
        </form>
        <ErrorLine error={error ?? stream.error} />
      </Section>
      <Section
        title={tailing ? `Live: ${tailed.length} records` : `Records${page ? ` (${page.messages.length})` : ''}`}
        actions={
          tailing || !page ? null : (
            <>
              <span class="small muted" data-testid="scan-info">
                scanned {page.scanned}
                {page.scanLimitReached ? ' (scan bound reached: go on with next page)' : ''}
                {took !== undefined ? ` · ${Math.round(took)} ms` : ''}
              </span>
              <button type="button" disabled={!cursors.length || busy} onClick={() => void load()}>
                First page
              </button>
              <button type="button" disabled={!page.nextCursor || busy} onClick={() => void load(page.nextCursor)}>
                Next page
              </button>
            </>
          )
        }
      >
        <table data-testid="messages">
          <thead>
            <tr>
              <th class="num">p</th>
              <th class="num">offset</th>
              <th>time</th>
              <th>key</th>
              <th>event type</th>
              <th>event_id</th>
              <th>user_id</th>
              <th>format</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => {
              const id = `${m.partition}/${m.offset}`
              return [
                <tr
                  key={id}
                  class={`clickable ${open === id ? 'selected' : ''}`}
                  onClick={() => setOpen(open === id ? undefined : id)}
                >
                  <td class="num">{m.partition}</td>
                  <td class="num">{m.offset}</td>
                  <td class="small">{formatTime(m.timestamp)}</td>
                  <td class="mono small">{m.key ?? '–'}</td>
                  <td>{m.eventType ?? '–'}</td>
                  <td class="mono small">
                    {m.eventId ? <a href={href('/trace', { event_id: m.eventId })}>{m.eventId}</a> : '–'}
                  </td>
                  <td class="mono small">{m.userId ?? '–'}</td>
                  <td class="small">
                    {m.valueFormat}
                    {m.schemaId !== undefined ? ` · schema ${m.schemaId}` : ''}
                    {m.schemaVersion !== undefined ? ` v${m.schemaVersion}` : ''}
                  </td>
                </tr>,
                open === id ? (
                  <tr key={`${id}-detail`}>
                    <td colSpan={8}>
                      <MessageDetail message={m} />
                    </td>
                  </tr>
                ) : null,
              ]
            })}
          </tbody>
        </table>
        {!tailing && page && !page.messages.length ? <p class="muted">No records match.</p> : null}
      </Section>
    </div>
  )
}
