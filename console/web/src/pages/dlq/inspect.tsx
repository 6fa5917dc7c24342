// One dead letter in full (diagnostics, headers, payload, stack) with replay and discard for operators.
import { useState } from 'preact/hooks'
import * as api from '../../api/endpoints.ts'
import { Confirm, ErrorLine, formatTime, Json, Section, useLoad } from '../../components/ui.tsx'
import { href } from '../../router.ts'
import { useCanWrite } from '../../session.tsx'
import { statusBadge } from './filter.tsx'

export function Inspect({
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
          <div data-testid="dlq-status">
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
