import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

// The last resort of background publishing: events that failed every retry are appended here (NDJSON, one
// JSON event per line) and re-sent on the next start. The JSON view is stored, not Avro bytes, so a schema id
// that changed meanwhile cannot make them unreadable.

export async function spill(file: string, events: object[]): Promise<void> {
  if (events.length === 0) return
  await mkdir(dirname(file), { recursive: true })
  await appendFile(file, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { flush: true })
}

/**
 * Moves the spill file aside and returns its events plus a `done` callback that deletes the moved file once
 * they are safely re-sent. If the process dies before `done`, the next start finds the moved file again.
 */
export async function takeSpilled(file: string): Promise<{ events: unknown[]; done: () => Promise<void> }> {
  const resending = `${file}.resending`
  const pending: string[] = []
  for (const candidate of [resending, file]) {
    const content = await readFile(candidate, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (content !== undefined) pending.push(content)
  }
  if (pending.length === 0) return { events: [], done: async () => undefined }
  // Merge both into the .resending file so one deletion ends the cycle.
  await mkdir(dirname(file), { recursive: true })
  const merged = pending.join('')
  await writeFile(`${resending}.tmp`, merged, { flush: true })
  await rename(`${resending}.tmp`, resending)
  await rm(file, { force: true })
  const events = merged
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)
  return { events, done: () => rm(resending, { force: true }) }
}

export async function countSpilled(file: string): Promise<number> {
  const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw error
  })
  return content.split('\n').filter((line) => line.trim() !== '').length
}
