import { appendFile, mkdir, readFile, rm, stat, truncate } from 'node:fs/promises'
import { dirname } from 'node:path'

// The last resort of background publishing: events that failed every retry are appended here (NDJSON, one
// JSON event per line) and re-sent later, before anything newer, so one user's events keep their order. The
// JSON view is stored, not Avro bytes, so a schema id that changed meanwhile cannot make them unreadable.
// Every operation on one file runs in turn (one publisher per file), so an append can never fall between the
// read and the removal of a re-send.

const sizeOf = (file: string) =>
  stat(file).then(
    (info) => info.size,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return 0
      throw error
    },
  )

const readIfExists = (file: string) =>
  readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw error
  })

/** Far above the JSON view of any event the broker would take (message.max.bytes is about 1 MB). */
const MAX_LINE_CHARS = 4 * 1024 * 1024

const lines = (content: string) => content.split('\n').filter((line) => line.trim() !== '')

export interface TakenSpill {
  events: unknown[]
  /** Lines that were not JSON (e.g. cut short by a crash mid-append): moved to `<file>.bad`, never re-sent. */
  quarantined: number
  /** Deletes the taken events once they are safely re-sent; without it, the next `take` returns them again. */
  done(): Promise<void>
}

export class SpillFile {
  readonly path: string
  #chain: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.path = path
  }

  get #resending(): string {
    return `${this.path}.resending`
  }

  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work)
    this.#chain = run.catch(() => undefined)
    return run
  }

  /**
   * Appends all of `events` or none: a full disk can take part of a batch, and the caller is told the whole batch
   * was not kept, so the part that made it is cut off again (else it would be re-sent as well as re-published).
   */
  append(events: object[]): Promise<void> {
    if (events.length === 0) return Promise.resolve()
    return this.#inTurn(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      const before = await sizeOf(this.path)
      try {
        await appendFile(this.path, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { flush: true })
      } catch (error) {
        await truncate(this.path, before).catch((undoError: unknown) => {
          throw new AggregateError([error, undoError], `appending to ${this.path} failed and could not be undone`)
        })
        throw error
      }
    })
  }

  /** Keeps lines that can never be sent (unparseable, or invalid events) for a person to look at. */
  quarantine(raw: string[]): Promise<void> {
    if (raw.length === 0) return Promise.resolve()
    return this.#inTurn(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await appendFile(`${this.path}.bad`, raw.map((line) => `${line}\n`).join(''), { flush: true })
    })
  }

  /** Everything spilled so far, oldest first: an earlier unfinished re-send, then the file. */
  take(): Promise<TakenSpill> {
    return this.#inTurn(async () => {
      // Fold the file into the re-send file (appending keeps the order), so one deletion ends the cycle.
      const fresh = await readIfExists(this.path)
      if (fresh) {
        await appendFile(this.#resending, fresh, { flush: true })
        await rm(this.path, { force: true })
      }
      const events: unknown[] = []
      const bad: string[] = []
      for (const line of lines(await readIfExists(this.#resending))) {
        // A line no event could fill is not parsed at all: the file is input like any other.
        if (line.length > MAX_LINE_CHARS) {
          bad.push(line)
          continue
        }
        try {
          events.push(JSON.parse(line))
        } catch {
          // Not JSON: quarantined below and counted in the result, never dropped in silence.
          bad.push(line)
        }
      }
      if (bad.length) await appendFile(`${this.path}.bad`, bad.map((line) => `${line}\n`).join(''), { flush: true })
      const taken = this.#resending
      return {
        events,
        quarantined: bad.length,
        done: () => this.#inTurn(() => rm(taken, { force: true })),
      }
    })
  }

  /** Events waiting for a re-send (both files). */
  count(): Promise<number> {
    return this.#inTurn(async () => {
      const [resending, fresh] = await Promise.all([readIfExists(this.#resending), readIfExists(this.path)])
      return lines(resending).length + lines(fresh).length
    })
  }
}
