// The relay under a PostgreSQL outage, through a cuttable loopback proxy in front of the real server: while it is
// cut the relay retries (its advisory-lock session dies with the connection); once it is back the relay leads
// again and every committed row is published, none twice.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { v7 as uuidv7 } from 'uuid'
import { databaseUrl, eventually } from '../../../../test/support/index.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import { migrateEventsSchema, openDatabase } from '../../src/db/index.ts'
import { enqueueOutboxEvent, OutboxRelay, type OutboxRow } from '../../src/outbox/index.ts'
import { uniqueSchema } from '../db/engines.ts'
import { captureLogger, fastRelay } from './support.ts'

test('after a PostgreSQL outage the relay leads again and publishes every committed row once', async () => {
  const proxy = await startTcpProxy(databaseUrl)
  const schema = uniqueSchema('relay_outage')
  const db = await openDatabase({ url: proxy.url, schema, maxConnections: 4 })
  const direct = await openDatabase({ url: databaseUrl, schema })
  let relay: OutboxRelay | undefined
  // One hook, in order: the relay stops before the database it uses closes.
  after(async () => {
    await relay?.stop()
    await proxy.restore()
    await db.close()
    await direct.exec(`drop schema if exists "${schema}" cascade`)
    await direct.close()
  })
  await migrateEventsSchema(db)
  const published = new Map<string, number>()
  const logger = captureLogger()
  relay = new OutboxRelay(db, {
    ...fastRelay,
    logger,
    publish: async (rows: OutboxRow[]) => {
      for (const row of rows) published.set(row.eventId, (published.get(row.eventId) ?? 0) + 1)
    },
  })
  relay.start()
  const committed: string[] = []
  const enqueue = async (via: typeof db) => {
    const eventId = uuidv7()
    await via.transaction((tx) =>
      enqueueOutboxEvent(tx, {
        eventId,
        topic: 't',
        key: `user-${committed.length % 3}`,
        eventType: 'user_updated',
        payload: {},
      }),
    )
    committed.push(eventId)
  }
  const enqueueRetrying = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await enqueue(db)
      } catch (error) {
        if ((error as { code?: string }).code !== 'GRIM_DATABASE_UNAVAILABLE' || attempt === 5) throw error
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }
  for (let i = 0; i < 10; i++) await enqueue(db)
  await eventually(
    () => published.size,
    (n) => n === 10,
  )
  await proxy.cut()
  // Rows committed while the relay's connections are cut (straight to the server, as another instance would).
  for (let i = 0; i < 10; i++) await enqueue(direct)
  await new Promise((resolve) => setTimeout(resolve, 3_000))
  await proxy.restore()
  // A connection that died in the cut may fail a statement or two more (a 503 to an HTTP caller, who tries again).
  for (let i = 0; i < 10; i++) await enqueueRetrying()
  const seen = await eventually(
    () => published.size,
    (n) => n === committed.length,
    20_000,
  )
  assert.equal(seen, committed.length, `published ${seen} of ${committed.length} after the outage`)
  assert.deepEqual(
    [...published.values()].filter((n) => n > 1),
    [],
    'none twice',
  )
  assert.equal(relay.active, true)
  assert.ok(
    logger.lines.some((line) => /lost its lock/.test(line.message)),
    'the relay saw its lock session die and re-elected',
  )
})
