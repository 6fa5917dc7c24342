// The retry budget counts only failures of the event or its handler: a dependency outage is waited out in place
// (same attempt number, capped backoff, abortable), and a real unreachable database is typed as one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { databaseUrl } from '../../../../test/support/index.ts'
import { startTcpProxy } from '../../../../test/support/tcp-proxy.ts'
import type { UserEvent } from '../../src/catalog/index.ts'
import { Dispatcher, type DispatchInput } from '../../src/consumer/dispatch.ts'
import { evaluateHealth } from '../../src/consumer/health.ts'
import { KeyedWriter } from '../../src/consumer/keyed-writer.ts'
import { OutageMonitor } from '../../src/consumer/outage.ts'
import { HandlerRegistry } from '../../src/consumer/registry.ts'
import type { EventDecoder } from '../../src/consumer/types.ts'
import { openDatabase } from '../../src/db/index.ts'
import { dependencyOutageOf } from '../../src/dependency.ts'
import { GrimError } from '../../src/errors.ts'
import type { IncomingRecord } from '../../src/kafka/index.ts'
import { createConsumerMetrics } from '../../src/metrics/consumer.ts'
import { freshRegistry, quietLogger, sampleEvent } from './helpers.ts'

const retry = { initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: 0, maxAttempts: 2 }

function setup(decoder: EventDecoder) {
  const metricsRegistry = freshRegistry()
  const metrics = createConsumerMetrics(metricsRegistry)
  const outages = new OutageMonitor({
    backoff: { initialDelayMs: 5, maxDelayMs: 20 },
    metrics,
    logger: quietLogger,
    groupId: 'g',
  })
  const registry = new HandlerRegistry(retry)
  const dispatcher = new Dispatcher({
    groupId: 'g',
    decoder,
    registry,
    store: undefined,
    unhandledEvents: 'dead-letter',
    inProcessRetryLimitMs: 1_000,
    metrics,
    outages,
  })
  return { dispatcher, registry, outages, metricsRegistry }
}

const record = { topic: 't', partition: 0, offset: 0n, key: null, value: Buffer.from('x'), headers: new Map() }
const input = (signal = new AbortController().signal): DispatchInput => ({
  record: record as unknown as IncomingRecord,
  attempt: 1,
  firstFailureAt: undefined,
  signal,
})

/** A decoder that fails with `errors` in turn, then decodes `event`. */
function failingDecoder(event: UserEvent, errors: unknown[]): EventDecoder & { calls: number } {
  const decoder = {
    calls: 0,
    decode: async () => {
      const error = errors[decoder.calls++]
      if (error) throw error
      return event
    },
  }
  return decoder
}

const registryDown = () => new GrimError('GRIM_REGISTRY_UNAVAILABLE', 'fetch failed')

test('classifies outages by type, through causes; an unknown schema id or a deadlock is no outage', () => {
  const dbDown = new GrimError('GRIM_DATABASE_UNAVAILABLE', 'x')
  assert.equal(dependencyOutageOf(registryDown()), 'registry')
  assert.equal(dependencyOutageOf(dbDown), 'database')
  assert.equal(dependencyOutageOf(new GrimError('GRIM_KAFKA_UNAVAILABLE', 'x')), 'broker')
  assert.equal(dependencyOutageOf(new GrimError('GRIM_HANDLER_FAILED', 'wrapped', { cause: dbDown })), 'database')
  for (const code of ['57P01', '57P03', '08006', 'ECONNREFUSED', 'CONNECTION_CLOSED'])
    assert.equal(dependencyOutageOf(Object.assign(new Error('raw driver error'), { code })), 'database', code)
  assert.equal(dependencyOutageOf(new Error('PGlite is closed')), 'database')
  assert.equal(dependencyOutageOf(new GrimError('GRIM_SCHEMA_NOT_FOUND', 'no such id')), undefined)
  assert.equal(dependencyOutageOf(Object.assign(new Error('deadlock'), { code: '40P01' })), undefined)
  assert.equal(dependencyOutageOf(new GrimError('GRIM_HANDLER_FAILED', 'handler said no')), undefined)
  assert.equal(dependencyOutageOf(new Error('boom')), undefined)
})

test('an outage longer than the whole retry budget is waited out: the record is handled, not dead-lettered', async () => {
  const event = sampleEvent('user_login')
  const decoder = failingDecoder(event, Array.from({ length: 10 }, registryDown))
  const { dispatcher, registry, outages, metricsRegistry } = setup(decoder)
  const attempts: number[] = []
  registry.register('user_login', async (_event, context) => {
    attempts.push(context.attempt)
    return { success: true, message: 'ok' }
  })
  const pending = dispatcher.dispatch(input())
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal(outages.snapshot()[0]?.dependency, 'registry', 'the outage is visible while records wait')
  const result = await pending
  assert.deepEqual(result, { kind: 'done', outcome: 'success', eventType: 'user_login' })
  assert.equal(decoder.calls, 11)
  assert.deepEqual(attempts, [1], 'the handler ran once, as attempt 1: the waits spent no attempt')
  assert.deepEqual(outages.snapshot(), [], 'the outage is over once the record got through')
  const waits = await metricsRegistry.getSingleMetric('grimos_consumer_dependency_waits_total')?.get()
  assert.equal(waits?.values.find((v) => v.labels.dependency === 'registry')?.value, 10)
})

test("a handler's own retryable failures still spend the budget and reach the DLQ", async () => {
  const { dispatcher, registry } = setup(failingDecoder(sampleEvent('user_login'), []))
  registry.register('user_login', async () => ({ success: false, message: 'not yet', retryable: true }))
  const result = await dispatcher.dispatch(input())
  assert.equal(result.kind, 'dead-letter')
  assert.equal(result.kind === 'dead-letter' && result.reason, 'retries_exhausted')
})

test('an outage then an unknown schema id: the record waits, then goes to the DLQ as undecodable', async () => {
  const notFound = new GrimError('GRIM_SCHEMA_NOT_FOUND', 'no schema 424242')
  const { dispatcher } = setup(failingDecoder(sampleEvent('user_login'), [registryDown(), registryDown(), notFound]))
  const result = await dispatcher.dispatch(input())
  assert.equal(result.kind === 'dead-letter' && result.reason, 'undecodable')
  assert.equal(result.kind === 'dead-letter' && (result.failure.error as GrimError).code, 'GRIM_SCHEMA_NOT_FOUND')
})

test('a handler throwing a database outage waits too; revoking ends the wait without a verdict', async () => {
  const { dispatcher, registry, outages } = setup(failingDecoder(sampleEvent('user_login'), []))
  registry.register('user_login', async () => {
    throw new GrimError('GRIM_DATABASE_UNAVAILABLE', 'connection refused')
  })
  const abort = new AbortController()
  const pending = dispatcher.dispatch(input(abort.signal))
  await new Promise((resolve) => setTimeout(resolve, 50))
  const health = evaluateHealth({
    state: 'running',
    joined: true,
    assignedPartitions: 1,
    bufferedRecords: 1,
    inFlightHandlers: 1,
    parkedKeys: 0,
    lastProgressAt: 0,
    runningSince: 0,
    lastError: undefined,
    stallTimeoutMs: 1_000,
    now: 1_000_000,
    outages: outages.snapshot(),
  })
  assert.equal(health.ready, false)
  assert.equal(health.live, true, 'waiting out an outage is not a stall: a restart would not help')
  assert.match(health.details.notReadyReason ?? '', /^database unavailable since \d{4}-/)
  abort.abort()
  assert.deepEqual(await pending, { kind: 'abandoned' })
  assert.deepEqual(outages.snapshot(), [])
})

test('a retry-topic or DLQ write waiting for the broker shows as a broker outage until it gets through', async () => {
  const { outages } = setup(failingDecoder(sampleEvent('user_login'), []))
  let calls = 0
  const writer = new KeyedWriter({
    signal: new AbortController().signal,
    produce: async () => {
      if (++calls <= 2) throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'no leader')
    },
    onError: () => undefined,
    where: 't[0]',
    outages,
  })
  const sent = writer.persist('writing to the dead-letter topic', async () => {
    if (++calls <= 2) throw new GrimError('GRIM_KAFKA_UNAVAILABLE', 'no leader')
  })
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(outages.snapshot()[0]?.dependency, 'broker')
  assert.equal(await sent, true)
  assert.deepEqual(outages.snapshot(), [])
})

test('a cut connection to the real PostgreSQL is GRIM_DATABASE_UNAVAILABLE, and the pool recovers after', async () => {
  const proxy = await startTcpProxy(databaseUrl)
  const db = await openDatabase({ url: proxy.url, maxConnections: 2 })
  try {
    assert.deepEqual(await db.query('select 1 as one'), [{ one: 1 }])
    await proxy.cut()
    const cutAt = performance.now()
    await assert.rejects(db.query('select 1'), (error: GrimError) => error.code === 'GRIM_DATABASE_UNAVAILABLE')
    console.log(`cut query failed after ${Math.round(performance.now() - cutAt)} ms`)
    await assert.rejects(
      db.transaction((tx) => tx.query('select 1')),
      (error: GrimError) => error.code === 'GRIM_DATABASE_UNAVAILABLE',
    )
    await proxy.restore()
    assert.deepEqual(await db.query('select 1 as one'), [{ one: 1 }])
    const own = Object.assign(new Error('the caller’s own'), { code: 'ECONNREFUSED' })
    await assert.rejects(
      db.transaction(async () => {
        throw own
      }),
      (error: Error) => error === own,
      'what the transaction body throws itself is not retyped, even with a network code',
    )
  } finally {
    await db.close()
  }
})

test('a closed PGlite is GRIM_DATABASE_UNAVAILABLE', async () => {
  const db = await openDatabase({})
  await db.close()
  await assert.rejects(db.query('select 1'), (error: GrimError) => error.code === 'GRIM_DATABASE_UNAVAILABLE')
})
