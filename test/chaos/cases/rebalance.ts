// Rebalance while handlers run: the group grows from 1 to 3 members and shrinks back to 1 while a publisher streams
// events and every handler holds a PostgreSQL transaction for a few milliseconds. Each member has its own database
// pool and the shared dedupe table (as separate event-consumer processes would); the handler's side effect is a row
// in the same transaction as the processed mark, so the table is the ledger: one row per event, in order per key.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { Registry } from 'prom-client'
import { createEventConsumer, type EventConsumer } from '../../../packages/events/src/consumer/index.ts'
import { type Database, migrateEventsSchema, openDatabase } from '../../../packages/events/src/db/index.ts'
import { PostgresProcessedEventStore } from '../../../packages/events/src/dedupe/index.ts'
import { EventPublisher } from '../../../packages/events/src/producer/index.ts'
import {
  createCaseTopic,
  dlqDepth,
  dropSchemas,
  outcomeCount,
  seqOf,
  uniqueSchema,
  userIdOf,
  waitUntil,
} from '../../support/chaos.ts'
import { chaosLoginInput, databaseUrl } from '../../support/index.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const keys = 200
const publishSpanMs: Record<CaseSize, number> = { short: 12_000, full: 30_000 }
/** Time a handler holds its transaction: long enough that revocations find handlers running. */
const handlerMs = 3

const logger = pino({ level: process.env.CHAOS_LOG_LEVEL ?? 'silent' })

export const rebalance: ChaosCase = {
  id: 'rebalance',
  fault: 'rebalance while handlers run (group 1 → 3 → 1 members)',
  mustHold: '0 lost, 0 doubled side effects, per-key order kept',
  method:
    'A background `EventPublisher` streams `user_login` events over 200 keys to a 6-partition topic at an even rate. Member A (`createEventConsumer`, PostgreSQL dedupe store, own pool) starts first; at 25% of the stream members B and C join the group, at 65% they stop (leave cleanly); A runs to the end. Each handler inserts its side effect (event_id, key, publish sequence number, member) into a table in the transaction that holds the processed mark and sleeps 3 ms inside it. Counts are read from that table: event ids with no row (lost) or two (doubled), and per key rows whose sequence number is below one inserted before (out of order).',
  events: { short: 3_000, full: 30_000 },
  timeoutMs: { short: 240_000, full: 600_000 },
  run: (size, log) => run(size, log),
}

interface Member {
  name: string
  consumer: EventConsumer
  db: Database
  metrics: Registry
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const total = rebalance.events[size]
  const started = performance.now()
  const { topic, remove } = await createCaseTopic('chaos-rebalance', 6)
  const schema = uniqueSchema('rebalance')
  const setup = await openDatabase({ url: databaseUrl, schema })
  await migrateEventsSchema(setup)
  await setup.exec(
    'create table chaos_effects (id bigserial primary key, event_id text not null, key text not null, seq integer not null, member text not null)',
  )
  const members: Member[] = []
  /** Every member's metrics, those that left included: their dedupe counts belong to the run. */
  const allMetrics: Registry[] = []
  const publisher = new EventPublisher({
    topic,
    clientId: 'chaos-rebalance',
    queue: { capacity: 10_000, overflow: 'reject', batchSize: 100 },
    metricsRegistry: new Registry(),
    logger,
  })
  const join = async (name: string) => {
    const db = await openDatabase({ url: databaseUrl, schema })
    const metrics = new Registry()
    allMetrics.push(metrics)
    const consumer = createEventConsumer({
      groupId: `${topic}.group`,
      topics: [topic],
      clientId: `chaos-rebalance-${name}`,
      dedupe: new PostgresProcessedEventStore(db),
      metricsRegistry: metrics,
      logger,
    })
    consumer.registerHandler('user_login', async (event, context) => {
      if (!context.tx) throw new Error('the PostgreSQL store passes its transaction')
      await context.tx.query('insert into chaos_effects (event_id, key, seq, member) values ($1, $2, $3, $4)', [
        event.event_id,
        event.user_id,
        seqOf(event.metadata.request_id),
        name,
      ])
      await sleep(handlerMs)
      return { success: true, message: 'recorded' }
    })
    const member = { name, consumer, db, metrics }
    members.push(member)
    await consumer.start()
    log(`member ${name} started`)
    return member
  }
  const leave = async (member: Member) => {
    await member.consumer.stop()
    await member.db.close()
    members.splice(members.indexOf(member), 1)
    log(`member ${member.name} left`)
  }
  const accepted: string[] = []
  const notes: string[] = []
  try {
    await publisher.start()
    await join('A')
    const slice = Math.ceil(total / 100)
    let joined: Member[] = []
    for (let s = 0, n = 0; s < 100 && n < total; s++) {
      for (let i = 0; i < slice && n < total; i++, n++) {
        accepted.push(publisher.publishInBackground(chaosLoginInput(userIdOf(n % keys), n)).eventId)
      }
      if (s === 25) joined = await Promise.all([join('B'), join('C')])
      if (s === 65) await Promise.all(joined.map(leave))
      await sleep(publishSpanMs[size] / 100)
    }
    await publisher.flush(30_000)
    const count = async () =>
      Number((await setup.query<{ n: string }>('select count(distinct event_id) as n from chaos_effects'))[0]?.n)
    await waitUntil(async () => (await count()) >= accepted.length, 120_000, 500)
    await sleep(2_000)

    await setup.exec('create temporary table chaos_expected (event_id text primary key)')
    for (let i = 0; i < accepted.length; i += 5_000) {
      await setup.query('insert into chaos_expected select unnest($1::text[])', [accepted.slice(i, i + 5_000)])
    }
    const [counts] = await setup.query<{ lost: string; doubled: string; out_of_order: string }>(`
      select
        (select count(*) from chaos_expected x where not exists (select 1 from chaos_effects e where e.event_id = x.event_id)) as lost,
        (select count(*) from (select event_id from chaos_effects group by event_id having count(*) > 1) d) as doubled,
        (select count(*) from (
          select seq < max(seq) over (partition by key order by id rows between unbounded preceding and 1 preceding) as late
          from chaos_effects) o where late) as out_of_order`)
    const perMember = await setup.query<{ member: string; n: string }>(
      'select member, count(*) as n from chaos_effects group by member order by member',
    )
    notes.push(
      `effects per member: ${perMember.map((m) => `${m.member} ${Number(m.n).toLocaleString('en-US')}`).join(', ')}`,
    )
    let duplicates = 0
    for (const metrics of allMetrics) duplicates += await outcomeCount(metrics, 'duplicate')
    return {
      injected: `members B and C join after ${(slice * 26).toLocaleString('en-US')} events and leave after ${(slice * 66).toLocaleString('en-US')}, of ${total.toLocaleString('en-US')}`,
      events: accepted.length,
      lost: Number(counts?.lost),
      doubledEffects: Number(counts?.doubled),
      redelivered: duplicates,
      inDlq: await dlqDepth(topic),
      outOfOrder: Number(counts?.out_of_order),
      wallMs: performance.now() - started,
      notes,
    }
  } finally {
    for (const member of [...members]) await leave(member).catch((e: unknown) => log(`stop ${member.name}: ${e}`))
    await publisher.close(10_000).catch((e: unknown) => log(`publisher close: ${e}`))
    await setup.close()
    await dropSchemas([schema])
    await remove()
  }
}
