// Produce one event from a form built from the catalog, or many from an NDJSON file: every line is validated
// by the server (as the library validates) before anything is sent, invalid lines are listed, then the file
// goes in chunks with a progress bar and a result per line.
import { useMemo, useState } from 'preact/hooks'
import { describeError } from '../api/client.ts'
import * as api from '../api/endpoints.ts'
import type { CatalogAnswer, LineResult } from '../api/types.ts'
import { type AvroField, FieldList } from '../components/avro-form.tsx'
import { Badge, ErrorLine, Json, Progress, Section, useLoad } from '../components/ui.tsx'
import { href, type Route } from '../router.ts'
import { useCanWrite } from '../session.tsx'

/** The server takes at most this many lines per request; a file goes in chunks of it. */
const chunkLines = 1000
/** Files beyond this are refused before reading (the browser would hold them whole). */
const maxFileBytes = 64 * 1024 * 1024
/** Result rows shown at once; counts cover every line. */
const maxShownResults = 1000

export function ProducePage({ route }: { route: Route }) {
  const canWrite = useCanWrite()
  const catalog = useLoad((signal) => api.catalog({ signal }), [])
  const [tab, setTab] = useState(route.query.get('tab') === 'file' ? 'file' : 'form')
  if (!canWrite) return <p class="notice">Producing is for operators: your role is viewer.</p>
  return (
    <div>
      <div class="tabs">
        <button type="button" class={tab === 'form' ? 'active' : ''} onClick={() => setTab('form')}>
          One event
        </button>
        <button type="button" class={tab === 'file' ? 'active' : ''} onClick={() => setTab('file')}>
          NDJSON file
        </button>
      </div>
      <ErrorLine error={catalog.error} />
      {tab === 'form' && catalog.data ? <EventForm catalog={catalog.data} /> : null}
      {tab === 'file' ? <FileUpload topic={catalog.data?.topic} /> : null}
    </div>
  )
}

interface InputLine {
  eventType: string
  userId: string
  eventId?: string
  userData: Record<string, unknown>
  metadata: Record<string, unknown>
}

function fieldsOf(schema: unknown, name: string): AvroField[] {
  const fields = ((schema as { fields?: AvroField[] })?.fields ?? []) as AvroField[]
  const type = fields.find((f) => f.name === name)?.type as { fields?: AvroField[] } | undefined
  return type?.fields ?? []
}

function EventForm({ catalog }: { catalog: CatalogAnswer }) {
  const [eventType, setEventType] = useState(catalog.eventTypes[0]?.eventType ?? '')
  const entry = catalog.eventTypes.find((e) => e.eventType === eventType)
  const example = (entry?.example ?? {}) as Partial<InputLine>
  const [line, setLine] = useState<InputLine>(() => fromExample(eventType, example))
  const [result, setResult] = useState<LineResult>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const dataFields = useMemo(() => fieldsOf(entry?.schema, 'data').filter((f) => f.name !== 'id'), [entry])
  const metadataFields = useMemo(() => fieldsOf(entry?.schema, 'metadata'), [entry])
  const choose = (type: string) => {
    setEventType(type)
    const next = catalog.eventTypes.find((e) => e.eventType === type)
    setLine(fromExample(type, (next?.example ?? {}) as Partial<InputLine>))
    setResult(undefined)
  }
  const send = async (dryRun: boolean) => {
    setBusy(true)
    setError(undefined)
    try {
      const body = { ...line, eventId: line.eventId || undefined }
      const answer = await api.produce({ topic: catalog.topic, lines: [JSON.stringify(body)], dryRun })
      setResult(answer.results[0])
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Section title={`One event to ${catalog.topic}`}>
      <div class="grid2">
        <form class="stack" onSubmit={(e) => e.preventDefault()} data-testid="event-form">
          <label>
            event type
            <select name="eventType" value={eventType} onChange={(e) => choose(e.currentTarget.value)}>
              {catalog.eventTypes.map((e) => (
                <option key={e.eventType}>{e.eventType}</option>
              ))}
            </select>
          </label>
          <label>
            user id
            <input
              name="userId"
              value={line.userId}
              onInput={(e) => setLine({ ...line, userId: e.currentTarget.value })}
            />
          </label>
          <label>
            <span>
              event id <span class="muted">(optional: a new UUIDv7)</span>
            </span>
            <input
              name="eventId"
              value={line.eventId ?? ''}
              onInput={(e) => setLine({ ...line, eventId: e.currentTarget.value })}
            />
          </label>
          <fieldset class="stack">
            <legend>data</legend>
            <FieldList
              fields={dataFields}
              value={line.userData}
              onChange={(userData) => setLine({ ...line, userData })}
              prefix="data"
            />
          </fieldset>
          <fieldset class="stack">
            <legend>metadata</legend>
            <FieldList
              fields={metadataFields}
              value={line.metadata}
              onChange={(metadata) => setLine({ ...line, metadata })}
              prefix="metadata"
            />
          </fieldset>
          <div class="row">
            <button type="button" onClick={() => send(true)} disabled={busy}>
              Validate
            </button>
            <button type="button" class="primary" onClick={() => send(false)} disabled={busy}>
              Send
            </button>
          </div>
        </form>
        <div class="stack">
          <h3>Line sent</h3>
          <Json value={line} />
          <ErrorLine error={error} />
          {result ? <LineOutcome result={result} /> : null}
        </div>
      </div>
    </Section>
  )
}

function fromExample(eventType: string, example: Partial<InputLine>): InputLine {
  return {
    eventType,
    userId: example.userId ?? 'user-1',
    userData: { ...(example.userData ?? {}) },
    metadata: { source: 'grimos-console', ...(example.metadata ?? {}) },
  }
}

function LineOutcome({ result }: { result: LineResult }) {
  if (result.ok)
    return (
      <p class="notice" data-testid="produce-ok">
        {result.partition !== undefined ? (
          <>
            Sent {result.eventType} <code>{result.eventId}</code> to partition {result.partition} at offset{' '}
            {result.offset}
            {' · '}
            {result.eventId ? <a href={href('/trace', { event_id: result.eventId })}>trace</a> : null}
          </>
        ) : (
          <>Valid: nothing sent yet.</>
        )}
      </p>
    )
  return (
    <div class="error" data-testid="produce-error">
      <strong>{result.error?.code}</strong>: {result.error?.message}
      {result.error?.violations?.length ? (
        <ul>
          {result.error.violations.map((v) => (
            <li key={`${v.field}-${v.rule}`}>
              <code>{v.field}</code> {v.rule}: {v.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

type Phase = 'idle' | 'validating' | 'validated' | 'sending' | 'sent'

/** A line's result, and whether its chunk was sent (a line's position may be missing when the broker's answer
 * does not say where each record landed). */
type LineRow = LineResult & { sent?: boolean }

function FileUpload({ topic }: { topic: string | undefined }) {
  const [name, setName] = useState('')
  const [lines, setLines] = useState<string[]>([])
  const [phase, setPhase] = useState<Phase>('idle')
  const [done, setDone] = useState(0)
  const [results, setResults] = useState<LineRow[]>([])
  const [error, setError] = useState<unknown>()
  const [skipInvalid, setSkipInvalid] = useState(false)

  const invalid = results.filter((r) => !r.ok)
  const valid = results.filter((r) => r.ok && !r.skipped).length

  const run = async (all: string[], dryRun: boolean) => {
    setError(undefined)
    setDone(0)
    setResults([])
    setPhase(dryRun ? 'validating' : 'sending')
    const collected: LineRow[] = []
    try {
      for (let start = 0; start < all.length; start += chunkLines) {
        const chunk = all.slice(start, start + chunkLines)
        const answer = await api.produce({ topic, lines: chunk, firstLine: start + 1, dryRun, skipInvalid })
        collected.push(...answer.results.map((r) => ({ ...r, sent: answer.sent && r.ok && !r.skipped })))
        setDone(Math.min(start + chunk.length, all.length))
        setResults([...collected])
      }
      setPhase(dryRun ? 'validated' : 'sent')
    } catch (caught) {
      setError(new Error(`stopped after ${collected.length} lines: ${describeError(caught)}`))
      setPhase(dryRun ? 'idle' : 'sent')
    }
  }

  const load = async (file: File | undefined) => {
    setResults([])
    setPhase('idle')
    setError(undefined)
    if (!file) return
    if (file.size > maxFileBytes) {
      setError(new Error(`${file.name} is ${file.size} bytes; the console takes files up to ${maxFileBytes} bytes`))
      return
    }
    const text = await file.text()
    const all = text.split(/\r?\n/)
    if (all.at(-1) === '') all.pop()
    setName(file.name)
    setLines(all)
    await run(all, true)
  }

  return (
    <Section title={`NDJSON file to ${topic ?? 'the user events topic'}`}>
      <div class="stack">
        <p class="muted small">
          One event per line: the library's input form <code>{'{"eventType", "userId", "userData", "metadata"?}'}</code>{' '}
          or a whole event. Every line is validated first; nothing is sent while a line is invalid, unless you choose to
          send the valid ones only.
        </p>
        <div class="row">
          <input
            type="file"
            name="ndjson"
            accept=".ndjson,.jsonl,.json,.txt,application/x-ndjson"
            onChange={(e) => load(e.currentTarget.files?.[0])}
          />
          {name ? (
            <span class="small">
              {name}: {lines.length} lines
            </span>
          ) : null}
        </div>
        {phase === 'validating' || phase === 'sending' ? (
          <Progress done={done} total={lines.length} label={phase} />
        ) : null}
        <ErrorLine error={error} />
        {phase === 'validated' ? (
          <div class="stack" data-testid="validation">
            <div>
              <Badge kind="ok">{valid} valid</Badge>{' '}
              <Badge kind={invalid.length ? 'bad' : 'ok'}>{invalid.length} invalid</Badge>
            </div>
            {invalid.length ? (
              <label class="check">
                <input
                  type="checkbox"
                  checked={skipInvalid}
                  onChange={(e) => setSkipInvalid(e.currentTarget.checked)}
                />{' '}
                send the valid lines only
              </label>
            ) : null}
            <div>
              <button
                type="button"
                class="primary"
                disabled={(invalid.length > 0 && !skipInvalid) || valid === 0}
                onClick={() => run(lines, false)}
              >
                Send {skipInvalid ? valid : lines.length} events
              </button>
            </div>
          </div>
        ) : null}
        {phase === 'sent' ? (
          <p class="notice" data-testid="sent-summary">
            Sent {results.filter((r) => r.sent).length} of {lines.length} lines; {results.filter((r) => !r.ok).length}{' '}
            not sent.
          </p>
        ) : null}
        {results.length ? <ResultTable results={phase === 'validated' ? invalid : results} /> : null}
      </div>
    </Section>
  )
}

function ResultTable({ results }: { results: LineRow[] }) {
  const shown = results.slice(0, maxShownResults)
  if (!shown.length) return null
  return (
    <div>
      <table data-testid="line-results">
        <thead>
          <tr>
            <th class="num">line</th>
            <th>result</th>
            <th>event</th>
            <th>where / why</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.line} data-line={r.line}>
              <td class="num">{r.line}</td>
              <td>
                {r.ok ? (
                  <Badge kind="ok">{r.skipped ? 'blank' : r.sent ? 'sent' : 'valid'}</Badge>
                ) : (
                  <Badge kind="bad">invalid</Badge>
                )}
              </td>
              <td class="mono small">
                {r.eventType ?? ''} {r.eventId ?? ''}
              </td>
              <td class="small">
                {r.ok
                  ? r.offset !== undefined
                    ? `partition ${r.partition} offset ${r.offset}`
                    : ''
                  : `${r.error?.code}: ${r.error?.message}${r.error?.violations?.length ? ` (${r.error.violations.map((v) => `${v.field}: ${v.message}`).join('; ')})` : ''}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {results.length > shown.length ? (
        <p class="muted small">… and {results.length - shown.length} more lines not shown.</p>
      ) : null}
    </div>
  )
}
