import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { databaseUrl } from '../../../../test/support/index.ts'
import { openDatabase } from '../../src/db/index.ts'
import { testOnEachEngine, uniqueSchema } from './engines.ts'

testOnEachEngine('parameters, JSON and timestamps read back the same on both engines', async (db) => {
  await db.exec('create table sample (id int primary key, doc jsonb not null, at timestamptz not null default now())')
  await db.query('insert into sample (id, doc) values ($1, $2::text::jsonb)', [1, JSON.stringify({ a: [1, 'b'] })])
  const rows = await db.query<{ id: number; doc: unknown; at: Date }>(
    'select id, doc, at from sample where id = $1',
    [1],
  )
  assert.equal(rows.length, 1)
  assert.equal(rows[0]?.id, 1)
  assert.deepEqual(rows[0]?.doc, { a: [1, 'b'] })
  assert.ok(rows[0]?.at instanceof Date)
})

testOnEachEngine('a transaction commits when its function resolves and rolls back when it throws', async (db) => {
  await db.exec('create table items (name text primary key)')
  await db.transaction(async (tx) => {
    await tx.query('insert into items values ($1)', ['kept'])
  })
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query('insert into items values ($1)', ['lost'])
      throw new Error('business rule broken')
    }),
    /business rule broken/,
  )
  const names = await db.query<{ name: string }>('select name from items order by name')
  assert.deepEqual(
    names.map((r) => r.name),
    ['kept'],
  )
})

testOnEachEngine('concurrent transactions never interleave their writes', async (db, engine) => {
  await db.exec('create table counter (v int not null); insert into counter values (0)')
  const trace: string[] = []
  // A read-modify-write that loses updates if two transactions interleave without row locks.
  const increment = (n: number) =>
    db.transaction(async (tx) => {
      trace.push(`begin ${n}`)
      const lockClause = engine === 'postgres' ? ' for update' : ''
      const [row] = await tx.query<{ v: number }>(`select v from counter${lockClause}`)
      await sleep(20)
      await tx.query('update counter set v = $1', [(row?.v ?? 0) + 1])
      trace.push(`end ${n}`)
    })
  await Promise.all([1, 2, 3, 4].map(increment))
  const [row] = await db.query<{ v: number }>('select v from counter')
  assert.equal(row?.v, 4)
  if (engine === 'pglite') {
    // One connection: each transaction must finish before the next begins.
    for (let i = 0; i < trace.length; i += 2) assert.equal(trace[i]?.split(' ')[1], trace[i + 1]?.split(' ')[1])
  }
})

testOnEachEngine('an advisory lock has one holder at a time and is free again after release', async (db) => {
  const first = await db.tryAdvisoryLock('relay')
  assert.ok(first, 'the first caller gets the lock')
  assert.equal(await first.isHeld(), true)
  assert.equal(await db.tryAdvisoryLock('relay'), undefined, 'a second caller stands by')
  const other = await db.tryAdvisoryLock('another-name')
  assert.ok(other, 'locks with different names are independent')
  await first.release()
  assert.equal(await first.isHeld(), false)
  const second = await db.tryAdvisoryLock('relay')
  assert.ok(second, 'released lock can be taken again')
  await second.release()
  await other.release()
})

test('PostgreSQL: an advisory lock is exclusive across separate pools and scoped to the schema', async () => {
  const schema = uniqueSchema('lock')
  const a = await openDatabase({ url: databaseUrl, schema, maxConnections: 2 })
  const b = await openDatabase({ url: databaseUrl, schema, maxConnections: 2 })
  const elsewhere = await openDatabase({ url: databaseUrl, schema: uniqueSchema('lock_other'), maxConnections: 2 })
  try {
    const held = await a.tryAdvisoryLock('relay')
    assert.ok(held)
    assert.equal(await b.tryAdvisoryLock('relay'), undefined, 'another process stands by')
    const otherSchema = await elsewhere.tryAdvisoryLock('relay')
    assert.ok(otherSchema, 'another schema elects its own holder')
    await otherSchema.release()
    await a.close()
    const taken = await b.tryAdvisoryLock('relay')
    assert.ok(taken, 'closing the holder frees the lock')
    await taken.release()
  } finally {
    await a.close()
    await b.exec(`drop schema if exists "${schema}" cascade`)
    await b.close()
    await elsewhere.exec(`drop schema if exists "${elsewhere.schema}" cascade`)
    await elsewhere.close()
  }
})

test('options are validated: a schema must be a plain identifier', async () => {
  await assert.rejects(openDatabase({ schema: 'bad"; drop table x; --' }), { code: 'GRIM_CONFIG_INVALID' })
})

test('an unreachable server fails with a retryable GRIM_DATABASE_FAILED that hides the password', async () => {
  const db = openDatabase({ url: 'postgres://app:secret@127.0.0.1:1/none', schema: 'x' })
  await assert.rejects(db, (error: Error & { code?: string; retryable?: boolean }) => {
    assert.equal(error.code, 'GRIM_DATABASE_FAILED')
    assert.equal(error.retryable, true)
    assert.doesNotMatch(error.message, /secret/)
    return true
  })
})

test('PostgreSQL: a lock attempt whose query fails gives its connection back to the pool', async () => {
  // The public schema needs no clean-up, which a leaked (and only) connection would block.
  const db = await openDatabase({ url: databaseUrl, schema: 'public', maxConnections: 1 })
  const name = uniqueSchema('lock_leak')
  try {
    // PostgreSQL refuses a NUL byte in text, so the lock query itself fails after the connection was reserved.
    await assert.rejects(db.tryAdvisoryLock(`${name}\u0000`))
    const stillUsable = db.query<{ ok: number }>('select 1 as ok')
    const timedOut = sleep(2_000).then(() => 'the only pooled connection leaked')
    assert.deepEqual(await Promise.race([stillUsable, timedOut]), [{ ok: 1 }])
    const lock = await db.tryAdvisoryLock(name)
    assert.ok(lock, 'a later attempt can take the lock')
    await lock.release()
    assert.deepEqual(await db.query('select 1 as ok'), [{ ok: 1 }], 'releasing gives the connection back too')
  } finally {
    await db.close()
  }
})
