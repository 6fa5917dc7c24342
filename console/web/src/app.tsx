// The shell: who is logged in, the navigation, and which page the hash route shows.
import { useEffect, useState } from 'preact/hooks'
import { onUnauthorized } from './api/client.ts'
import { currentSession, logout } from './api/endpoints.ts'
import { AccessPage } from './pages/access.tsx'
import { DlqPage } from './pages/dlq/index.tsx'
import { GroupsPage } from './pages/groups.tsx'
import { LoginPage } from './pages/login.tsx'
import { MessagesPage } from './pages/messages.tsx'
import { OverviewPage } from './pages/overview.tsx'
import { ProducePage } from './pages/produce.tsx'
import { SchemasPage } from './pages/schemas.tsx'
import { TracePage } from './pages/trace.tsx'
import { href, type Route, useRoute } from './router.ts'
import { type Session, SessionContext } from './session.tsx'

const pages: { path: string; label: string; view: (props: { route: Route }) => preact.JSX.Element }[] = [
  { path: '/', label: 'Overview', view: OverviewPage },
  { path: '/groups', label: 'Consumer groups', view: GroupsPage },
  { path: '/messages', label: 'Messages', view: MessagesPage },
  { path: '/produce', label: 'Produce', view: ProducePage },
  { path: '/trace', label: 'Event trace', view: TracePage },
  { path: '/dlq', label: 'Dead letters', view: DlqPage },
  { path: '/schemas', label: 'Schemas', view: SchemasPage },
  { path: '/access', label: 'Audit and accounts', view: AccessPage },
]

export function App() {
  const route = useRoute()
  const [session, setSession] = useState<Session | undefined | null>(undefined)
  useEffect(() => {
    currentSession().then(setSession, () => setSession(null))
    return onUnauthorized(() => setSession(null))
  }, [])
  if (session === undefined) return <p class="boot">Loading…</p>
  if (session === null) return <LoginPage onLogin={setSession} />
  const page = pages.find((p) => p.path === route.path) ?? pages[0]!
  const View = page.view
  return (
    <SessionContext.Provider value={session}>
      <div class="shell">
        <nav class="sidebar">
          <div class="brand">grimOS console</div>
          {pages.map((p) => (
            <a key={p.path} href={href(p.path)} class={p === page ? 'active' : ''}>
              {p.label}
            </a>
          ))}
          <div class="who">
            <span data-testid="who">
              {session.username} · {session.role}
            </span>
            <button
              type="button"
              onClick={() =>
                logout()
                  // The cookie may outlive a failed logout: say so where developers look, and leave anyway.
                  .catch((error: unknown) => console.error('logout failed', error))
                  .finally(() => setSession(null))
              }
            >
              Log out
            </button>
          </div>
        </nav>
        <main>
          <h1>{page.label}</h1>
          <View route={route} />
        </main>
      </div>
    </SessionContext.Provider>
  )
}
