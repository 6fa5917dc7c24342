// Consumer groups: state, members and their assignments, lag per partition (live), and offset resets with a
// preview of every change and a confirmation.
import { useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import { useEventStream } from '../api/sse.ts'
import type { GroupDetail, LagSample, ResetOffsetsAnswer, ResetOffsetsBody } from '../api/types.ts'
import { Chart, useRollingSeries } from '../components/chart.tsx'
import { Badge, Confirm, ErrorLine, Section, useLoad } from '../components/ui.tsx'
import { type Route, replaceQuery } from '../router.ts'
import { useCanWrite } from '../session.tsx'

function stateBadge(state: string) {
  const kind = state === 'Stable' ? 'ok' : state === 'Empty' ? 'info' : state === 'Dead' ? 'bad' : 'warn'
  return <Badge kind={kind}>{state}</Badge>
}

export function GroupsPage({ route }: { route: Route }) {
  const list = useLoad((signal) => api.groups({ signal }), [])
  const [selected, setSelected] = useState(route.query.get('group') ?? '')
  const choose = (id: string) => {
    setSelected(id)
    replaceQuery({ group: id })
  }
  return (
    <div>
      <Section
        title="Groups"
        actions={
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
        }
      >
        <ErrorLine error={list.error} />
        <table data-testid="groups">
          <thead>
            <tr>
              <th>group</th>
              <th>state</th>
              <th class="num">members</th>
              <th>topics</th>
              <th class="num">lag</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.groups.map((g) => (
              <tr key={g.id} class={`clickable ${g.id === selected ? 'selected' : ''}`} onClick={() => choose(g.id)}>
                <td>{g.id}</td>
                <td>{stateBadge(g.state)}</td>
                <td class="num">{g.members}</td>
                <td>{g.topics.join(', ')}</td>
                <td class="num">{g.lag}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data && !list.data.groups.length ? <p class="muted">No consumer groups.</p> : null}
      </Section>
      {selected ? <GroupPanel id={selected} key={selected} /> : null}
    </div>
  )
}

function GroupPanel({ id }: { id: string }) {
  const loaded = useLoad((signal) => api.group(id, { signal }), [id])
  const detail = loaded.data
  const lag = useRollingSeries(150)
  const [latest, setLatest] = useState<LagSample>()
  const stream = useEventStream<LagSample>(
    api.lagPath(id),
    {},
    (sample) => {
      setLatest(sample)
      const values: Record<string, number> = {}
      for (const p of sample.partitions) values[`${p.topic}/${p.partition}`] = p.lag
      lag.push(Date.parse(sample.at) / 1000, values)
    },
    ['sample'],
  )
  const liveLag = new Map(latest?.partitions.map((p) => [`${p.topic}/${p.partition}`, p.lag]))
  return (
    <div>
      <Section
        title={`Group ${id}`}
        actions={
          <>
            <span class={`live ${stream.connected ? 'on' : ''}`}>live lag {latest ? latest.lag : ''}</span>
            <button type="button" onClick={loaded.reload}>
              Refresh
            </button>
          </>
        }
      >
        <ErrorLine error={loaded.error ?? stream.error} />
        {detail ? (
          <div class="stack">
            <div class="small muted">
              {stateBadge(detail.state)} protocol {detail.protocolType}/{detail.protocol || '–'} · total lag{' '}
              {detail.lag}
            </div>
            <h3>Members</h3>
            <table data-testid="members">
              <thead>
                <tr>
                  <th>member</th>
                  <th>client</th>
                  <th>host</th>
                  <th>assignments</th>
                </tr>
              </thead>
              <tbody>
                {detail.members.map((m) => (
                  <tr key={m.memberId}>
                    <td class="mono small">{m.memberId}</td>
                    <td>{m.clientId}</td>
                    <td>{m.host}</td>
                    <td>{m.assignments.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {detail.members.length ? null : <p class="muted">No members: the group's consumers are stopped.</p>}
            <h3>Lag per partition</h3>
            <Chart series={lag.names} data={lag.data} unit="records" height={200} />
            <table data-testid="lag">
              <thead>
                <tr>
                  <th>topic</th>
                  <th class="num">partition</th>
                  <th class="num">committed</th>
                  <th class="num">low</th>
                  <th class="num">high</th>
                  <th class="num">lag</th>
                  <th>member</th>
                </tr>
              </thead>
              <tbody>
                {detail.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`}>
                    <td>{p.topic}</td>
                    <td class="num">{p.partition}</td>
                    <td class="num">{p.committed ?? '–'}</td>
                    <td class="num">{p.low}</td>
                    <td class="num">{p.high}</td>
                    <td class="num">{liveLag.get(`${p.topic}/${p.partition}`) ?? p.lag}</td>
                    <td class="mono small">{p.memberId ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      {detail ? <ResetOffsets group={detail} onApplied={loaded.reload} /> : null}
    </div>
  )
}

function ResetOffsets({ group, onApplied }: { group: GroupDetail; onApplied: () => void }) {
  const canWrite = useCanWrite()
  const topics = [...new Set(group.partitions.map((p) => p.topic))]
  const [topic, setTopic] = useState(topics[0] ?? '')
  const [to, setTo] = useState<ResetOffsetsBody['to']>('earliest')
  const [timestamp, setTimestamp] = useState('')
  const [offset, setOffset] = useState('')
  const [preview, setPreview] = useState<ResetOffsetsAnswer>()
  const [done, setDone] = useState<ResetOffsetsAnswer>()
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<unknown>()
  const body = (dryRun: boolean): ResetOffsetsBody => ({
    topic,
    to,
    dryRun,
    ...(to === 'timestamp' ? { timestamp: new Date(timestamp).toISOString() } : {}),
    ...(to === 'offset' ? { offset } : {}),
  })
  const runPreview = async () => {
    setError(undefined)
    setDone(undefined)
    try {
      setPreview(await api.resetOffsets(group.id, body(true)))
    } catch (caught) {
      setError(caught)
    }
  }
  if (!canWrite)
    return (
      <Section title="Reset offsets">
        <p class="muted">Operators only: your role is viewer.</p>
      </Section>
    )
  return (
    <Section title="Reset offsets">
      <div class="row">
        <label>
          topic
          <select name="reset-topic" value={topic} onChange={(e) => setTopic(e.currentTarget.value)}>
            {topics.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          to
          <select name="reset-to" value={to} onChange={(e) => setTo(e.currentTarget.value as ResetOffsetsBody['to'])}>
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
            <option value="timestamp">a time</option>
            <option value="offset">an offset</option>
          </select>
        </label>
        {to === 'timestamp' ? (
          <label>
            time
            <input
              type="datetime-local"
              step="1"
              value={timestamp}
              onInput={(e) => setTimestamp(e.currentTarget.value)}
            />
          </label>
        ) : null}
        {to === 'offset' ? (
          <label>
            offset
            <input value={offset} pattern="[0-9]+" onInput={(e) => setOffset(e.currentTarget.value)} />
          </label>
        ) : null}
        <button type="button" onClick={runPreview} disabled={!topic}>
          Preview
        </button>
      </div>
      <ErrorLine error={error} />
      {preview ? (
        <div class="stack">
          <ChangeTable answer={preview} />
          <div>
            <button type="button" class="danger" onClick={() => setConfirming(true)} disabled={!preview.changes.length}>
              Apply reset…
            </button>
          </div>
        </div>
      ) : null}
      {done ? (
        <p class="notice">
          Offsets of {done.group} on {done.topic} reset ({done.changes.length} partitions).
        </p>
      ) : null}
      {confirming && preview ? (
        <Confirm
          title={`Reset ${group.id} on ${topic}?`}
          confirmLabel="Reset offsets"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            const answer = await api.resetOffsets(group.id, body(false))
            setDone(answer)
            onApplied()
            setPreview(undefined)
            setConfirming(false)
          }}
        >
          <p>The group's consumers must be stopped. These committed offsets will change:</p>
          <ChangeTable answer={preview} />
        </Confirm>
      ) : null}
    </Section>
  )
}

function ChangeTable({ answer }: { answer: ResetOffsetsAnswer }) {
  return (
    <table data-testid="reset-preview">
      <thead>
        <tr>
          <th class="num">partition</th>
          <th class="num">from</th>
          <th class="num">to</th>
        </tr>
      </thead>
      <tbody>
        {answer.changes.map((c) => (
          <tr key={c.partition}>
            <td class="num">{c.partition}</td>
            <td class="num">{c.from ?? '–'}</td>
            <td class="num">{c.to}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
