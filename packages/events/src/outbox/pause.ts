/** A sleep that `stop()` can always cut short and `wake()` can cut short when the sleep allows it. */
export class Pause {
  #timer: NodeJS.Timeout | undefined
  #resolve: (() => void) | undefined
  #wakeable = false
  #nudged = false

  sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.#nudged) {
      this.#nudged = false
      return Promise.resolve()
    }
    this.#wakeable = wakeable
    return new Promise((resolve) => {
      this.#resolve = resolve
      this.#timer = setTimeout(() => this.#end(), ms)
    })
  }

  /** Ends a wakeable sleep now, or the next one at once if none is under way (a nudge is never lost). */
  wake(): void {
    if (this.#resolve && this.#wakeable) this.#end()
    else this.#nudged = true
  }

  /** Ends any sleep now. */
  interrupt(): void {
    this.#end()
  }

  #end(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const resolve = this.#resolve
    this.#resolve = undefined
    resolve?.()
  }
}
