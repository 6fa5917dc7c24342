// The end of every failure path of background publishing: the events are kept in the spill file and reported
// (log, metric, callbacks). When the spill file cannot take them either (disk full, no permission), they are
// reported as GRIM_SPILL_FAILED with every event id, counted as `unspilled`, and handed to the callbacks: the
// caller still holds them, so nothing is lost in silence.
import type { Logger } from 'pino'
import type { UserEvent } from '../catalog/index.ts'
import { asGrimError, GrimError } from '../errors.ts'
import type { ProducerMetrics } from '../metrics/producer.ts'
import type { SpillFile } from './spill.ts'

export type FailureCallback = (event: UserEvent, error: GrimError) => void

export interface FailedEvent {
  event: UserEvent
  onFailure?: FailureCallback
}

export interface KeepDeps {
  spill: SpillFile
  log: Logger
  metrics: ProducerMetrics
  onBackgroundFailure: FailureCallback | undefined
}

/** Spills `items` and reports them; resolves with whether they are on disk (false: only the callbacks have them). */
export async function keepFailed(deps: KeepDeps, items: FailedEvent[], cause: unknown): Promise<boolean> {
  let error = asGrimError(cause, 'GRIM_PUBLISH_FAILED')
  let kept = true
  try {
    await deps.spill.append(items.map((item) => item.event))
  } catch (spillError) {
    kept = false
    const eventIds = items.map((item) => item.event.event_id)
    error = new GrimError(
      'GRIM_SPILL_FAILED',
      `${items.length} events failed to publish (${error.message}) and could not be spilled to ${deps.spill.path}: ${(spillError as Error).message}`,
      { cause: spillError, details: { file: deps.spill.path, publishError: error.code, eventIds } },
    )
    deps.log.fatal({ err: error.message, code: error.code, eventIds }, 'events could not be published NOR spilled')
  }
  if (kept)
    deps.log.error(
      { err: error.message, code: error.code, count: items.length, file: deps.spill.path },
      'background publish failed; events spilled, to be re-sent before newer ones',
    )
  const outcome = kept ? 'spilled' : 'unspilled'
  for (const item of items) {
    deps.metrics.published.inc({ event_type: item.event.event_type, mode: 'background', outcome })
    for (const callback of [item.onFailure, deps.onBackgroundFailure]) {
      try {
        callback?.(item.event, error)
      } catch (callbackError) {
        deps.log.error({ err: (callbackError as Error).message }, 'onFailure callback threw')
      }
    }
  }
  if (kept) deps.metrics.spilled.inc(items.length)
  return kept
}
