// The DLQ page's filter: its fields (kept in the URL), the query they make, and the status badge.
import type { DlqListQuery, DlqRecord } from '../../api/types.ts'
import { Badge, toIso } from '../../components/ui.tsx'

export const filterKeys = ['status', 'event_type', 'error_class', 'key', 'from', 'to'] as const
export type Filter = Record<(typeof filterKeys)[number], string>

export function queryOf(filter: Filter): Partial<DlqListQuery> {
  return {
    status: (filter.status || 'pending') as DlqListQuery['status'],
    event_type: filter.event_type || undefined,
    error_class: filter.error_class || undefined,
    key: filter.key || undefined,
    from: toIso(filter.from),
    to: toIso(filter.to),
  }
}

export function statusBadge(status: DlqRecord['status']) {
  return <Badge kind={status === 'pending' ? 'warn' : status === 'replayed' ? 'ok' : 'bad'}>{status}</Badge>
}
