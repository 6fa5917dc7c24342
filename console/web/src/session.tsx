// Who is logged in. The session itself is an httpOnly cookie the front end never sees; the backend tells the
// user, the role and the CSRF token to send back on writes.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'

export type Role = 'viewer' | 'operator'

export interface Session {
  username: string
  role: Role
}

export const SessionContext = createContext<Session | undefined>(undefined)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession outside a logged-in page')
  return session
}

/** Operators may write (produce, replay, discard, reset offsets); viewers only read. */
export function useCanWrite(): boolean {
  return useSession().role === 'operator'
}
