// What BatchSender (worker thread) and PipelinedProducer (this thread) share: sends settle in the order they were
// made, and once one failed, later ones are refused ("held back") until the caller has kept the failed records and
// resumes, so no record overtakes an earlier failed one of its key.
import { GrimError } from '../errors.ts'

export class SendOrder {
  /** Settles after the newest send. */
  #last: Promise<unknown> = Promise.resolve()
  /** Why later sends are refused; undefined when they may go. */
  heldBackBy: string | undefined

  /** A refusal for `what` while held back, in turn; undefined when sends may go. */
  refusal(what: string): Promise<never> | undefined {
    if (this.heldBackBy === undefined) return undefined
    return this.failInTurn(
      new GrimError('GRIM_PUBLISH_FAILED', `${what} held back: ${this.heldBackBy}`, { retryable: true }),
    )
  }

  /** Notes the newest send. */
  track(sent: Promise<unknown>): void {
    this.#last = sent.catch(() => undefined)
  }

  /** Fails only after every earlier send settled, holding back later ones until `resume`. */
  failInTurn(error: GrimError): Promise<never> {
    this.heldBackBy ??= `an earlier batch failed (${error.message})`
    const failed = this.#last.then(() => Promise.reject(error))
    this.track(failed)
    return failed
  }

  resume(): void {
    this.heldBackBy = undefined
  }
}
