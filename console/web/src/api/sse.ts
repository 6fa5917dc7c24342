// Live views: one EventSource per view, closed when the view goes away. The browser reconnects by itself;
// `connected` tells the page whether the numbers it shows are live.
import { useEffect, useRef, useState } from 'preact/hooks'
import { type Query, withQuery } from './client.ts'

export interface StreamState {
  connected: boolean
  error: string | undefined
}

/**
 * Subscribes to `path` while `enabled`; `onEvent` gets each message's parsed JSON data and its event name.
 * Messages whose data is not JSON are reported as the stream's error (the backend only sends JSON).
 */
export function useEventStream<T>(
  path: string | undefined,
  query: Query,
  onEvent: (data: T, event: string) => void,
  events: string[] = ['message'],
): StreamState {
  const [state, setState] = useState<StreamState>({ connected: false, error: undefined })
  const handler = useRef(onEvent)
  handler.current = onEvent
  const url = path ? withQuery(path, query) : undefined
  const eventKey = events.join(',')
  useEffect(() => {
    if (!url) return
    const source = new EventSource(url, { withCredentials: true })
    const listeners = eventKey.split(',').map((name) => {
      const listener = (message: MessageEvent<string>) => {
        try {
          handler.current(JSON.parse(message.data) as T, name)
          setState((previous) => (previous.error ? { connected: true, error: undefined } : previous))
        } catch (error) {
          setState({ connected: true, error: `bad stream data: ${(error as Error).message}` })
        }
      }
      source.addEventListener(name, listener as EventListener)
      return [name, listener] as const
    })
    // `failure`: one sample could not be taken; the stream goes on.
    const onFailure = (message: MessageEvent<string>) => {
      let text = message.data
      try {
        const failure = JSON.parse(message.data) as { code?: string; message?: string }
        text = `${failure.code}: ${failure.message}`
      } catch (error) {
        text = `${message.data} (${(error as Error).message})`
      }
      setState({ connected: true, error: text })
    }
    source.addEventListener('failure', onFailure as EventListener)
    source.onopen = () => setState({ connected: true, error: undefined })
    source.onerror = () =>
      setState({ connected: false, error: source.readyState === EventSource.CLOSED ? 'stream closed' : undefined })
    return () => {
      for (const [name, listener] of listeners) source.removeEventListener(name, listener as EventListener)
      source.removeEventListener('failure', onFailure as EventListener)
      source.close()
      setState({ connected: false, error: undefined })
    }
  }, [url, eventKey])
  return state
}
