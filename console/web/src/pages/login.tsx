import { useState } from 'preact/hooks'
import { login } from '../api/endpoints.ts'
import { ErrorLine } from '../components/ui.tsx'
import type { Session } from '../session.tsx'

export function LoginPage({ onLogin }: { onLogin: (session: Session) => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const session = await login(username, password)
      if (session) onLogin(session)
      else setError(new Error('logged in, but the server reports no session (are cookies blocked?)'))
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="login stack" onSubmit={submit}>
      <h1>grimOS console</h1>
      <label>
        Username
        <input
          name="username"
          autocomplete="username"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          required
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
      </label>
      <ErrorLine error={error} />
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Logging in…' : 'Log in'}
      </button>
      <p class="muted small">
        The first operator's password is in <code>.grimos/secrets/</code>; add more with{' '}
        <code>npx grimos operators add</code>.
      </p>
    </form>
  )
}
