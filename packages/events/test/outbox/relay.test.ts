import assert from 'node:assert/strict'
import { v7 as uuidv7 } from 'uuid'
import { eventually } from '../../../../test/support/index.ts'
import type { AdvisoryLock, Database } from '../../src/db/index.ts'
import { GrimError } from '../../src/errors.ts'
import { enqueueOutboxEvent, fetchByStatus, OutboxRelay, type OutboxRow } from '../../src/outbox/index.ts'
import { testOnEachEngine } from '../db/engines.ts'
import { assertOrderPerKey, captureLogger, enqueueSequences, fastRelay } from './support.ts'

const toReceived = (rows: OutboxRow[]) =>
  rows.map((r) => ({ key: r.key, seq: (r.payload as { seq: number }).seq, eventId: r.eventId }))

testOnEachEngine('rolled-back events are never published; committed ones are, and marked sent', async (db) => {
  const published: OutboxRow[] = []
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger: captureLogger(),
    publish: async (rows) => void published.push(...rows),
  })
  relay.start()
  try {
    const kept = uuidv7()
    const dropped = uuidv7()
    const base = { topic: 't', key: 'user-1', eventType: 'user_updated', payload: {} }
    await assert.rejects(
      db.transaction(async (tx) => {
        await enqueueOutboxEvent(tx, { ...base, eventId: dropped })
        throw new Error('rolled back')
      }),
    )
    await db.transaction((tx) => enqueueOutboxEvent(tx, { ...base, eventId: kept }))
    relay.wake()
    await relay.drain(5_000)
    assert.deepEqual(
      published.map((r) => r.eventId),
      [kept],
    )
    const [sent] = await fetchByStatus(db, 'sent')
    assert.equal(sent?.eventId, kept)
    assert.equal(sent?.attempts, 1)
    assert.equal(await relay.oldestPendingAgeMs(), 0)
  } finally {
    await relay.stop()
  }
})

testOnEachEngine('order per key holds across many keys while publish fails at random', async (db) => {
  const keys = 8
  const perKey = 12
  await enqueueSequences(db, 't', keys, perKey)
  const received: OutboxRow[] = []
  let failures = 0
  let published = 0
  let seed = 7
  const random = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger: captureLogger(),
    observer: {
      onPublished: (n) => {
        published += n
      },
      onRetry: () => {
        failures++
      },
    },
    publish: async (rows) => {
      // Half the batch may reach the broker before the failure: a realistic partial send.
      if (random() < 0.35) {
        received.push(...rows.slice(0, Math.floor(rows.length / 2)))
        throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'broker went away')
      }
      received.push(...rows)
    },
  })
  relay.start()
  try {
    await relay.drain(20_000)
  } finally {
    await relay.stop()
  }
  assert.ok(failures > 0, 'the publish function did fail some of the time')
  assert.equal(published, keys * perKey, 'each row is counted once as published')
  assertOrderPerKey(toReceived(received), keys, perKey)
  const rows = await fetchByStatus(db, 'sent', 1000)
  assert.ok(
    rows.some((r) => r.attempts > 1),
    'retried rows record their attempts',
  )
})

testOnEachEngine('one relay is active per database; a standby takes over when it stops', async (db) => {
  const byRelay = new Map<string, number>()
  const make = (relayId: string) =>
    new OutboxRelay(db, {
      ...fastRelay,
      relayId,
      logger: captureLogger(),
      publish: async (rows) => void byRelay.set(relayId, (byRelay.get(relayId) ?? 0) + rows.length),
    })
  const first = make('first')
  const second = make('second')
  first.start()
  await eventually(
    () => first.active,
    (active) => active,
    5_000,
  )
  second.start()
  try {
    await enqueueSequences(db, 't', 2, 3)
    await first.drain(5_000)
    assert.equal(second.active, false, 'the second relay stands by')
    assert.equal(byRelay.get('second'), undefined)
    await first.stop()
    assert.equal(first.active, false)
    await enqueueSequences(db, 't', 2, 3)
    await second.drain(5_000)
    assert.equal(second.active, true, 'the standby took over')
    assert.equal(byRelay.get('first'), 6)
    assert.equal(byRelay.get('second'), 6)
  } finally {
    await Promise.all([first.stop(), second.stop()])
  }
})

testOnEachEngine('stop lets the batch under way finish and be marked sent', async (db) => {
  await enqueueSequences(db, 't', 1, 3)
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  let calls = 0
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger: captureLogger(),
    publish: async () => {
      calls++
      await gate
    },
  })
  relay.start()
  await eventually(
    () => calls,
    (n) => n === 1,
    5_000,
  )
  const stopped = relay.stop()
  release()
  await stopped
  assert.equal(calls, 1)
  assert.equal(await relay.pendingCount(), 0, 'the batch in flight was marked sent before stopping')
})

testOnEachEngine('drain times out with GRIM_SHUTDOWN_TIMEOUT while rows stay pending', async (db) => {
  await enqueueSequences(db, 't', 1, 1)
  // A running relay whose publish is stuck: drain must give up after its timeout rather than wait for it.
  let calls = 0
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger: captureLogger(),
    publish: async () => {
      calls++
      await gate
    },
  })
  relay.start()
  try {
    await eventually(
      () => calls,
      (n) => n === 1,
      5_000,
    )
    const started = Date.now()
    await assert.rejects(relay.drain(100), { code: 'GRIM_SHUTDOWN_TIMEOUT' })
    assert.ok(Date.now() - started < 2_000, `gave up after ${Date.now() - started} ms, not about 100`)
    assert.equal(await relay.pendingCount(), 1, 'the row stays pending')
  } finally {
    release()
    await relay.stop()
  }
})

testOnEachEngine('a running relay purges sent rows past their retention, and only those', async (db) => {
  await enqueueSequences(db, 't', 3, 1)
  // user-0 was sent two days ago, user-1 just now; user-2 is still pending and will be sent by the relay.
  await db.exec(
    "update grimos_outbox set status = 'sent', sent_at = now() - interval '2 days' where message_key = 'user-0';" +
      "update grimos_outbox set status = 'sent', sent_at = now() where message_key = 'user-1'",
  )
  const keys = async () =>
    (await db.query<{ message_key: string }>('select message_key from grimos_outbox order by id')).map(
      (r) => r.message_key,
    )
  const logger = captureLogger()
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger,
    publish: async () => undefined,
    sentRetentionMs: 24 * 60 * 60 * 1000,
    cleanupIntervalMs: 1_000,
  })
  relay.start()
  try {
    assert.deepEqual(await eventually(keys, (k) => !k.includes('user-0')), ['user-1', 'user-2'])
    assert.ok(logger.lines.some((line) => line.message === 'deleted 1 sent outbox rows'))
    // It keeps purging, every cleanupIntervalMs: a row that ages past the retention later goes too.
    await db.exec("update grimos_outbox set sent_at = now() - interval '2 days' where message_key = 'user-1'")
    assert.deepEqual(await eventually(keys, (k) => !k.includes('user-1'), 5_000), ['user-2'])
  } finally {
    await relay.stop()
  }
})

testOnEachEngine('a relay that lost its lock releases it (and its connection) before re-electing', async (db) => {
  let lost = false
  const released: string[] = []
  // The real lock, except that it reports the session as gone once `lost` is set.
  const losing: Database = {
    ...db,
    tryAdvisoryLock: async (name) => {
      const lock = await db.tryAdvisoryLock(name)
      if (!lock) return undefined
      const wrapped: AdvisoryLock = {
        name,
        isHeld: async () => !lost && (await lock.isHeld()),
        release: async () => {
          released.push(name)
          await lock.release()
        },
      }
      return wrapped
    },
  }
  const logger = captureLogger()
  const relay = new OutboxRelay(losing, { ...fastRelay, logger, publish: async () => undefined })
  relay.start()
  try {
    assert.equal(
      await eventually(
        () => relay.active,
        (active) => active,
        5_000,
      ),
      true,
    )
    lost = true
    const releases = await eventually(
      () => released.length,
      (n) => n >= 1,
      5_000,
    )
    assert.ok(releases >= 1, 'the lost lock was released')
    lost = false
    const elected = () => logger.lines.filter((l) => l.message === 'outbox relay is active').length
    assert.ok((await eventually(elected, (n) => n >= 2, 5_000)) >= 2, 'the relay took the lock again')
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /lost its lock/.test(l.message)))
  } finally {
    await relay.stop()
  }
})
