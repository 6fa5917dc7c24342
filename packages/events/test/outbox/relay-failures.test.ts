// The relay when publishing fails: a row that can never be published fails alone, a setup error keeps every row
// pending, an invalid event fails alone, and a streak of one failure code trips a breaker (relay.ts).
import assert from 'node:assert/strict'
import { ResponseError } from '@platformatic/kafka'
import { v7 as uuidv7 } from 'uuid'
import { eventually } from '../../../../test/support/index.ts'
import { EventValidationError, GrimError } from '../../src/errors.ts'
import { kafkaError } from '../../src/kafka/errors.ts'
import { enqueueOutboxEvent, fetchByStatus, OutboxRelay, type OutboxRow } from '../../src/outbox/index.ts'
import { rowFailureStreakLimit } from '../../src/outbox/relay.ts'
import { testOnEachEngine } from '../db/engines.ts'
import { captureLogger, enqueueSequences, fastRelay, runUntilDrained } from './support.ts'

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
          throw kafkaError(
            'publishing the poisoned row',
            new ResponseError(0, 9, { '/topics/0/partitions/0': [10, null] }, {}),
          )
        published.push(...rows.map((r) => r.eventId))
      },
    })
    await runUntilDrained(relay)
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

testOnEachEngine(
  'a setup error (registry refusing the schema) keeps every row pending until it is fixed',
  async (db) => {
    const eventIds = await enqueueSequences(db, 't', 2, 3)
    const published: string[] = []
    const failed: OutboxRow[] = []
    let broken = true
    let calls = 0
    const logger = captureLogger()
    const relay = new OutboxRelay(db, {
      ...fastRelay,
      logger,
      onFailure: (row) => void failed.push(row),
      publish: async (rows) => {
        calls++
        if (broken) throw new GrimError('GRIM_SCHEMA_INCOMPATIBLE', 'registry answered 409 for subject t-value')
        published.push(...rows.map((r) => r.eventId))
      },
    })
    relay.start()
    try {
      assert.ok(
        (await eventually(
          () => calls,
          (n) => n >= 4,
          5_000,
        )) >= 4,
        'the relay kept retrying',
      )
      assert.deepEqual(await fetchByStatus(db, 'failed'), [], 'no row is blamed for the setup')
      const pending = await fetchByStatus(db, 'pending')
      assert.equal(pending.length, eventIds.length)
      assert.ok(
        pending.every((r) => r.attempts >= 1 && /409/.test(r.lastError ?? '')),
        'attempts and the last error are recorded',
      )
      const errors = logger.lines.filter((l) => l.level === 'error')
      assert.equal(errors.length, 1, 'one error line per streak, not one per retry')
      assert.match(errors[0]?.message ?? '', /GRIM_SCHEMA_INCOMPATIBLE/)
      broken = false
      await relay.drain(5_000)
    } finally {
      await relay.stop()
    }
    assert.deepEqual(published, eventIds, 'the backlog flows, in order, once the setup is fixed')
    assert.deepEqual(failed, [])
  },
)

testOnEachEngine('an invalid event fails alone; the rows around it are published', async (db) => {
  const eventIds = await enqueueSequences(db, 't', 1, 4)
  const invalid = eventIds[1]
  const published: string[] = []
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger: captureLogger(),
    publish: async (rows) => {
      if (rows.some((r) => r.eventId === invalid))
        throw new EventValidationError([{ field: 'data.email', rule: 'format', message: 'must be an email' }])
      published.push(...rows.map((r) => r.eventId))
    },
  })
  await runUntilDrained(relay)
  assert.deepEqual(
    published,
    eventIds.filter((e) => e !== invalid),
  )
  const failed = await fetchByStatus(db, 'failed')
  assert.deepEqual(
    failed.map((r) => r.eventId),
    [invalid],
  )
  assert.match(failed[0]?.lastError ?? '', /data\.email/)
})

testOnEachEngine('rows failing in a row with one code trip a breaker instead of failing the backlog', async (db) => {
  const eventIds = await enqueueSequences(db, 't', 1, 6)
  let tooLarge = true
  let calls = 0
  const published: string[] = []
  const logger = captureLogger()
  const relay = new OutboxRelay(db, {
    ...fastRelay,
    logger,
    publish: async (rows) => {
      calls++
      // As if the broker's message size limit had been lowered below every event.
      if (tooLarge)
        throw kafkaError('producing failed', new ResponseError(0, 9, { '/topics/0/partitions/0': [10, null] }, {}))
      published.push(...rows.map((r) => r.eventId))
    },
  })
  relay.start()
  try {
    assert.ok(
      (await eventually(
        () => calls,
        (n) => n >= 12,
        5_000,
      )) >= 12,
      'the relay kept retrying',
    )
    const failed = await fetchByStatus(db, 'failed')
    assert.deepEqual(
      failed.map((r) => r.eventId),
      eventIds.slice(0, rowFailureStreakLimit - 1),
      'only the rows before the breaker tripped are failed',
    )
    assert.ok(
      logger.lines.some((l) => l.level === 'error' && /in a row failed with GRIM_PUBLISH_FAILED/.test(l.message)),
    )
    tooLarge = false
    await relay.drain(5_000)
  } finally {
    await relay.stop()
  }
  assert.deepEqual(published, eventIds.slice(rowFailureStreakLimit - 1))
})
