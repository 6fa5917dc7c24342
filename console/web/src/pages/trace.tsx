// One event (or every event of a user) across the topic, .retry, .dlq and its replays, as a timeline.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import type { TraceAnswer, TraceStep } from '../api/types.ts'
import { Badge, ErrorLine, formatTime, Section } from '../components/ui.tsx'
import { href, type Route, replaceQuery } from '../router.ts'

const kindLabel: Record<TraceStep['kind'], string> = {
  published: 'published',
  retry: 'retry',
  'dead-lettered': 'dead-lettered',
  replayed: 'replayed',
  discarded: 'discarded',
  handled: 'handled',
}

export function TracePage({ route }: { route: Route }) {
  const [eventId, setEventId] = useState(route.query.get('event_id') ?? '')
  const [userId, setUserId] = useState(route.query.get('user_id') ?? '')
  const [answer, setAnswer] = useState<TraceAnswer>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const run = async (event?: Event) => {
    event?.preventDefault()
    setBusy(true)
    setError(undefined)
    replaceQuery({ event_id: eventId, user_id: eventId ? undefined : userId })
    try {
      setAnswer(await api.trace(eventId ? { event_id: eventId.trim() } : { user_id: userId.trim() }))
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  // A deep link (from messages, produce, the DLQ) runs the trace at once.
  // Once, with the ids the link carried.
  useEffect(() => {
    if (eventId || userId) void run()
  }, [])
  const byEvent = new Map<string, TraceStep[]>()
  for (const step of answer?.steps ?? []) byEvent.set(step.eventId, [...(byEvent.get(step.eventId) ?? []), step])
  return (
    <div>
      <Section title="Find">
        <form class="row" onSubmit={run}>
          <label>
            event_id
            <input name="event_id" size={40} value={eventId} onInput={(e) => setEventId(e.currentTarget.value)} />
          </label>
          <span class="muted">or</span>
          <label>
            user_id (every event of the user)
            <input name="user_id" value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
          </label>
          <button class="primary" type="submit" disabled={busy || (!eventId && !userId)}>
            {busy ? 'Tracing…' : 'Trace'}
          </button>
        </form>
        <ErrorLine error={error} />
      </Section>
      {answer ? (
        <Section
          title={`Timeline on ${answer.topic}`}
          actions={
            <span class="small muted">
              {answer.steps.length} steps · scanned {answer.scanned}
              {answer.truncated ? ' · truncated: narrow the time range' : ''}
            </span>
          }
        >
          {answer.steps.length ? null : <p class="muted">Nothing found for this id in the scanned range.</p>}
          {[...byEvent].map(([id, steps]) => (
            <div key={id} class="stack">
              {byEvent.size > 1 ? (
                <h3>
                  <a href={href('/trace', { event_id: id })}>{id}</a> {steps[0]?.eventType}
                </h3>
              ) : null}
              <ol class="timeline" data-testid="timeline">
                {steps.map((step, i) => (
                  <li
                    key={`${step.topic}-${step.partition}-${step.offset}-${i}`}
                    class={step.kind}
                    data-kind={step.kind}
                  >
                    <div>
                      <strong>{kindLabel[step.kind]}</strong> <span class="small muted">{formatTime(step.at)}</span>{' '}
                      {step.attempt !== undefined ? <Badge>attempt {step.attempt}</Badge> : null}{' '}
                      {step.by ? <span class="small">by {step.by}</span> : null}
                    </div>
                    <div class="small mono">
                      {step.topic}
                      {step.partition !== undefined ? ` [${step.partition}] @${step.offset}` : ''}
                    </div>
                    {step.errorClass || step.error ? (
                      <div class="small" style="color: var(--bad)">
                        {step.errorClass ? <code>{step.errorClass}</code> : null} {step.error}
                      </div>
                    ) : null}
                    {step.detail && Object.keys(step.detail).length ? (
                      <div class="small muted">
                        {Object.entries(step.detail)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join(' · ')}
                      </div>
                    ) : null}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </Section>
      ) : null}
    </div>
  )
}
