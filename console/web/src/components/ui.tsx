// Small building blocks every page uses: errors, JSON, progress, confirmation, status badges, async loading.
import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { describeError } from '../api/client.ts'

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <p class="error" role="alert">
      {describeError(error)}
    </p>
  )
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>
}

export function Progress({ done, total, label }: { done: number; total: number; label?: string }) {
  const percent = total ? Math.round((done / total) * 100) : 0
  return (
    <div class="progress">
      <progress max={total || 1} value={done} aria-label={label ?? 'progress'} />
      <span>
        {done} / {total} ({percent} %)
      </span>
    </div>
  )
}

export function Badge({ kind, children }: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${kind ?? ''}`}>{children}</span>
}

export function Section({
  title,
  actions,
  children,
}: {
  title: string
  actions?: ComponentChildren
  children: ComponentChildren
}) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  )
}

/** A modal asking for confirmation; `onConfirm` may be async (the button waits and shows errors). */
export function Confirm({
  title,
  children,
  confirmLabel = 'Confirm',
  danger,
  onConfirm,
  onCancel,
}: {
  title: string
  children: ComponentChildren
  confirmLabel?: string
  danger?: boolean
  onConfirm: () => Promise<void> | void
  onCancel: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const confirm = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await onConfirm()
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return (
    <dialog ref={dialog} class="confirm" onCancel={onCancel}>
      <h3>{title}</h3>
      <div>{children}</div>
      <ErrorLine error={error} />
      <footer>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </footer>
    </dialog>
  )
}

export interface Loaded<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload: () => void
}

/** Runs `load` when `deps` change (and on reload()), aborting the previous run. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setState((previous) => ({ ...previous, loading: true }))
    load(controller.signal).then(
      (data) => controller.signal.aborted || setState({ data, error: undefined, loading: false }),
      (error) => controller.signal.aborted || setState({ data: undefined, error, loading: false }),
    )
    return () => controller.abort()
    // The caller lists what `load` depends on in `deps`.
  }, [...deps, tick])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { ...state, reload }
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || bytes === null) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`
}

export function formatTime(value: string | number | undefined): string {
  if (value === undefined || value === null || value === '') return '–'
  const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace('Z', '')
}

/** A `datetime-local` input's value (local time) as ISO-8601, or undefined when empty or not a time. */
export function toIso(local: string): string | undefined {
  if (!local) return undefined
  const date = new Date(local)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
