// Registry subjects: versions, one version's schema, the diff between two versions, the compatibility level,
// and a candidate schema checked against the subject before anyone registers it.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import type { CheckAnswer, SubjectSummary } from '../api/types.ts'
import { Badge, ErrorLine, Json, Section, useLoad } from '../components/ui.tsx'
import { type Route, replaceQuery } from '../router.ts'

export function SchemasPage({ route }: { route: Route }) {
  const list = useLoad((signal) => api.subjects({ signal }), [])
  const [selected, setSelected] = useState(route.query.get('subject') ?? '')
  const choose = (subject: string) => {
    setSelected(subject)
    replaceQuery({ subject })
  }
  const summary = list.data?.subjects.find((s) => s.subject === selected)
  return (
    <div>
      <Section
        title="Subjects"
        actions={
          list.data ? (
            <span class="small">
              global compatibility <Badge kind="info">{list.data.globalCompatibility}</Badge>
            </span>
          ) : null
        }
      >
        <ErrorLine error={list.error} />
        <table data-testid="subjects">
          <thead>
            <tr>
              <th>subject</th>
              <th>versions</th>
              <th class="num">latest</th>
              <th class="num">id</th>
              <th>compatibility</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.subjects.map((s) => (
              <tr
                key={s.subject}
                class={`clickable ${s.subject === selected ? 'selected' : ''}`}
                onClick={() => choose(s.subject)}
              >
                <td>{s.subject}</td>
                <td>{s.versions.join(', ')}</td>
                <td class="num">{s.latestVersion}</td>
                <td class="num">{s.latestId}</td>
                <td>
                  <Badge>{s.compatibility}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {summary ? <SubjectPanel key={summary.subject} summary={summary} /> : null}
    </div>
  )
}

function SubjectPanel({ summary }: { summary: SubjectSummary }) {
  const [version, setVersion] = useState(summary.latestVersion)
  const schema = useLoad(
    (signal) => api.schemaVersion(summary.subject, version, { signal }),
    [summary.subject, version],
  )
  const first = summary.versions[0] ?? summary.latestVersion
  const [from, setFrom] = useState(summary.versions.length > 1 ? (summary.versions.at(-2) ?? first) : first)
  const [to, setTo] = useState(summary.latestVersion)
  const diff = useLoad((signal) => api.schemaDiff(summary.subject, from, to, { signal }), [summary.subject, from, to])
  const versionSelect = (value: number, onChange: (v: number) => void, name: string) => (
    <select name={name} aria-label={name} value={value} onChange={(e) => onChange(Number(e.currentTarget.value))}>
      {summary.versions.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  )
  return (
    <div>
      <div class="grid2">
        <Section
          title={`${summary.subject} v${version}${schema.data ? ` (id ${schema.data.id})` : ''}`}
          actions={<span class="check">version {versionSelect(version, setVersion, 'version')}</span>}
        >
          <ErrorLine error={schema.error} />
          {schema.data ? <Json value={schema.data.schema} /> : null}
        </Section>
        <Section
          title="Diff"
          actions={
            <>
              <span class="check">from {versionSelect(from, setFrom, 'from')}</span>
              <span class="check">to {versionSelect(to, setTo, 'to')}</span>
            </>
          }
        >
          <ErrorLine error={diff.error} />
          {diff.data ? (
            <div class="stack" data-testid="diff">
              {diff.data.changes.length ? (
                <table>
                  <tbody>
                    {diff.data.changes.map((c) => (
                      <tr key={`${c.path}-${c.change}`}>
                        <td>
                          <Badge kind={c.change === 'added' ? 'ok' : c.change === 'removed' ? 'bad' : 'warn'}>
                            {c.change}
                          </Badge>
                        </td>
                        <td class="mono">{c.path}</td>
                        <td class="mono small">
                          {c.before !== undefined ? JSON.stringify(c.before) : ''}
                          {c.before !== undefined && c.after !== undefined ? ' → ' : ''}
                          {c.after !== undefined ? JSON.stringify(c.after) : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">{from === to ? 'Same version.' : 'No field changes.'}</p>
              )}
              <div class="diff">
                {diff.data.lines.map((line, i) => (
                  <div key={i} class={line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : ''}>
                    {line}
                  </div>
                ))}
              </div>
            </div>
          ) : null}
        </Section>
      </div>
      <Candidate
        summary={summary}
        latest={schema.data?.version === summary.latestVersion ? schema.data.schema : undefined}
      />
    </div>
  )
}

function Candidate({ summary, latest }: { summary: SubjectSummary; latest: unknown }) {
  const [text, setText] = useState('')
  const [answer, setAnswer] = useState<CheckAnswer>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (latest !== undefined && !text) setText(JSON.stringify(latest, null, 2))
  }, [latest, text])
  const check = async () => {
    setBusy(true)
    setError(undefined)
    setAnswer(undefined)
    try {
      setAnswer(await api.checkSchema(summary.subject, text))
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Section title={`Check a candidate against ${summary.subject} (${summary.compatibility})`}>
      <div class="stack">
        <textarea name="candidate" rows={12} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <div class="row">
          <button type="button" class="primary" onClick={check} disabled={busy || text.length < 2}>
            Check compatibility
          </button>
          <span class="muted small">registers nothing</span>
        </div>
        <ErrorLine error={error} />
        {answer ? (
          <div class={answer.compatible ? 'notice' : 'error'} data-testid="check-result">
            {answer.compatible ? 'Compatible' : 'Not compatible'} under {answer.compatibility}.
            {answer.messages.length ? (
              <ul>
                {answer.messages.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
    </Section>
  )
}
