import assert from 'node:assert/strict'
import { v7 as uuidv7 } from 'uuid'
import { eventually } from '../../../../test/support/index.ts'
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

testOnEachEngine(
  'a row that can never be published is marked failed and reported; later rows keep flowing',
  async (db) => {
    const poisoned = uuidv7()
    const events = [uuidv7(), poisoned, uuidv7(), uuidv7()]
    for (const [seq, eventId] of events.entries())
      await db.transaction((tx) =>
        enqueueOutboxEvent(tx, { eventId, topic: 't', key: 'user-1', eventType: 'user_updated', payload: { seq } }),
      )
    const published: string[] = []
    const failed: { row: OutboxRow; error: unknown }[] = []
    const observed: string[] = []
    const logger = captureLogger()
    const relay = new OutboxRelay(db, {
      ...fastRelay,
      logger,
      onFailure: (row, error) => void failed.push({ row, error }),
      observer: { onFailed: (row) => void observed.push(row.eventId) },
      publish: async (rows) => {
        if (rows.some((r) => r.eventId === poisoned))
          throw new GrimError('GRIM_PUBLISH_FAILED', 'MESSAGE_TOO_LARGE for the poisoned row')
        published.push(...rows.map((r) => r.eventId))
      },
    })
    relay.start()
    try {
      await relay.drain(5_000)
    } finally {
      await relay.stop()
    }
    assert.deepEqual(
      published,
      events.filter((e) => e !== poisoned),
    )
    assert.equal(failed.length, 1)
    assert.equal(failed[0]?.row.eventId, poisoned)
    assert.deepEqual(observed, [poisoned])
    const [row] = await fetchByStatus(db, 'failed')
    assert.equal(row?.eventId, poisoned)
    assert.match(row?.lastError ?? '', /MESSAGE_TOO_LARGE/)
    assert.ok(
      logger.lines.some((l) => l.level === 'error' && l.message.includes(poisoned)),
      'the failure is logged',
    )
  },
)

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
  const relay = new OutboxRelay(db, { ...fastRelay, logger: captureLogger(), publish: async () => undefined })
  await assert.rejects(relay.drain(100), { code: 'GRIM_SHUTDOWN_TIMEOUT' })
})
