// Who may do what, and who did what: the audit log of every write (with the logged-in principal, never a
// self-declared name), and for operators the accounts (add, remove).
import { useState } from 'preact/hooks'
import * as api from '../api/endpoints.ts'
import type { AddOperatorBody } from '../api/types.ts'
import { Badge, Confirm, ErrorLine, formatTime, Section, useLoad } from '../components/ui.tsx'
import { type Route, replaceQuery } from '../router.ts'
import { useCanWrite, useSession } from '../session.tsx'

export function AccessPage({ route }: { route: Route }) {
  return (
    <div>
      <Audit initialAction={route.query.get('action') ?? ''} />
      {useCanWrite() ? <Operators /> : null}
    </div>
  )
}

function Audit({ initialAction }: { initialAction: string }) {
  const [action, setAction] = useState(initialAction)
  const [applied, setApplied] = useState(initialAction)
  const [cursor, setCursor] = useState<string>()
  const page = useLoad(
    (signal) => api.audit({ limit: 50, cursor, action: applied || undefined }, { signal }),
    [applied, cursor],
  )
  return (
    <Section
      title="Audit log"
      actions={
        <>
          <button type="button" onClick={page.reload}>
            Refresh
          </button>
          <button type="button" disabled={!cursor} onClick={() => setCursor(undefined)}>
            Newest
          </button>
          <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursor(page.data?.nextCursor)}>
            Older
          </button>
        </>
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault()
          setCursor(undefined)
          setApplied(action)
          replaceQuery({ action })
        }}
      >
        <label>
          action
          <input
            name="action"
            value={action}
            onInput={(e) => setAction(e.currentTarget.value)}
            placeholder="dlq.replay"
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorLine error={page.error} />
      <table data-testid="audit">
        <thead>
          <tr>
            <th>when</th>
            <th>who</th>
            <th>action</th>
            <th>target</th>
            <th>details</th>
          </tr>
        </thead>
        <tbody>
          {page.data?.entries.map((e) => (
            <tr key={e.id}>
              <td class="small">{formatTime(e.at)}</td>
              <td>{e.principal}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td class="mono small">{e.target}</td>
              <td class="mono small" style="word-break: break-all">
                {JSON.stringify(e.details)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && !page.data.entries.length ? <p class="muted">No entries.</p> : null}
    </Section>
  )
}

function Operators() {
  const me = useSession()
  const list = useLoad((signal) => api.operators({ signal }), [])
  const [form, setForm] = useState<AddOperatorBody>({ username: '', password: '', role: 'viewer' })
  const [error, setError] = useState<unknown>()
  const [notice, setNotice] = useState<string>()
  const [removing, setRemoving] = useState<string>()
  const add = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      const account = await api.addOperator(form)
      setNotice(`Added ${account.username} (${account.role}).`)
      setForm({ username: '', password: '', role: 'viewer' })
      list.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  return (
    <Section title="Accounts">
      <ErrorLine error={list.error} />
      <table data-testid="operators">
        <thead>
          <tr>
            <th>username</th>
            <th>role</th>
            <th>created</th>
            <th>by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.operators.map((o) => (
            <tr key={o.username}>
              <td>{o.username}</td>
              <td>
                <Badge kind={o.role === 'operator' ? 'info' : undefined}>{o.role}</Badge>
              </td>
              <td class="small">{formatTime(o.createdAt)}</td>
              <td>{o.createdBy ?? '–'}</td>
              <td>
                {o.username === me.username ? (
                  <span class="muted small">you</span>
                ) : (
                  <button type="button" onClick={() => setRemoving(o.username)}>
                    Remove…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="row" onSubmit={add} style="margin-top: 12px">
        <label>
          username
          <input
            name="new-username"
            value={form.username}
            onInput={(e) => setForm({ ...form, username: e.currentTarget.value })}
            required
          />
        </label>
        <label>
          password (12+ characters)
          <input
            name="new-password"
            type="password"
            autocomplete="new-password"
            minLength={12}
            value={form.password}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
            required
          />
        </label>
        <label>
          role
          <select
            name="new-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.currentTarget.value as AddOperatorBody['role'] })}
          >
            <option value="viewer">viewer (read)</option>
            <option value="operator">operator (read and write)</option>
          </select>
        </label>
        <button type="submit" class="primary">
          Add account
        </button>
      </form>
      <ErrorLine error={error} />
      {notice ? <p class="notice">{notice}</p> : null}
      {removing ? (
        <Confirm
          title={`Remove ${removing}?`}
          confirmLabel="Remove"
          danger
          onCancel={() => setRemoving(undefined)}
          onConfirm={async () => {
            await api.removeOperator(removing)
            setRemoving(undefined)
            setNotice(`Removed ${removing}.`)
            list.reload()
          }}
        >
          <p>Their sessions end at once. The last account with the operator role cannot be removed.</p>
        </Confirm>
      ) : null}
    </Section>
  )
}
