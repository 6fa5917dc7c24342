// Hash routing (`#/messages?topic=…`): deep links work without the backend knowing the front end's paths.
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** Path without the query, e.g. `/messages`. */
  path: string
  query: URLSearchParams
}

function current(): Route {
  const hash = location.hash.replace(/^#/, '') || '/'
  const at = hash.indexOf('?')
  return at < 0
    ? { path: hash, query: new URLSearchParams() }
    : { path: hash.slice(0, at), query: new URLSearchParams(hash.slice(at + 1)) }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const onChange = () => setRoute(current())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}

/** A link target: path plus query parameters (empty values left out). */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, `${value}`)
  const search = params.toString()
  return `#${path}${search ? `?${search}` : ''}`
}

export function navigate(path: string, query: Record<string, string | number | undefined> = {}): void {
  location.hash = href(path, query)
}

/** Replaces the query of the current route without adding a history entry (filters typed into a page). */
export function replaceQuery(query: Record<string, string | number | undefined>): void {
  history.replaceState(null, '', href(current().path, query))
}
