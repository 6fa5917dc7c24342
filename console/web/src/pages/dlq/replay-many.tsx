// Replay many by filter: a preview capped by `limit`, then the previewed positions in chunks, with a progress
// bar and a result per record.
import { useState } from 'preact/hooks'
import { describeError } from '../../api/client.ts'
import * as api from '../../api/endpoints.ts'
import type { ReplayManyAnswer, ReplayOutcome } from '../../api/types.ts'
import { Badge, Confirm, ErrorLine, Progress, Section } from '../../components/ui.tsx'
import { useCanWrite } from '../../session.tsx'
import { type Filter, queryOf } from './filter.tsx'

/** Positions per request of a bulk replay: small enough for the progress bar to move. */
const replayChunk = 20

export function ReplayMany({ topic, filter, onDone }: { topic: string; filter: Filter; onDone: () => void }) {
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
