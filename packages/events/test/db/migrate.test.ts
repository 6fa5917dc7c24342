import assert from 'node:assert/strict'
import { test } from 'node:test'
import { databaseUrl } from '../../../../test/support/index.ts'
import { eventsMigrations, migrate, openDatabase } from '../../src/db/index.ts'
import { testOnEachEngine, uniqueSchema } from './engines.ts'

const widgets = [
  { id: 'test-001-widgets', sql: 'create table widgets (id int primary key); insert into widgets values (1)' },
  { id: 'test-002-widget-names', sql: "alter table widgets add column name text not null default 'w'" },
]

testOnEachEngine('each migration is applied once, in order, and recorded', async (db) => {
  assert.deepEqual(await migrate(db, widgets, 'test_migrations'), ['test-001-widgets', 'test-002-widget-names'])
  assert.deepEqual(await migrate(db, widgets, 'test_migrations'), [], 'a second run applies nothing')
  const rows = await db.query<{ id: number; name: string }>('select id, name from widgets')
  assert.deepEqual(rows, [{ id: 1, name: 'w' }], 'the insert ran once')
  const recorded = await db.query<{ id: string }>('select id from test_migrations order by id')
  assert.deepEqual(
    recorded.map((r) => r.id),
    widgets.map((m) => m.id),
  )
})

testOnEachEngine('a failing migration rolls back entirely and stops the run', async (db) => {
  const broken = [
    widgets[0]!,
    { id: 'test-002-broken', sql: 'create table gadgets (id int); select * from no_such_table' },
    { id: 'test-003-never', sql: 'create table never (id int)' },
  ]
  await assert.rejects(
    migrate(db, broken, 'test_migrations'),
    (error: Error & { code?: string; retryable?: boolean }) => {
      assert.equal(error.code, 'GRIM_DATABASE_FAILED')
      assert.equal(error.retryable, false, 'a missing table will be missing next time too')
      assert.match(error.message, /test-002-broken/)
      return true
    },
  )
  const tables = await db.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = current_schema() and table_name in ('widgets', 'gadgets', 'never')",
  )
  assert.deepEqual(
    tables.map((t) => t.name),
    ['widgets'],
  )
})

testOnEachEngine('the library migrations are idempotent scripts', async (db) => {
  // The test database is already migrated; running the scripts again by hand must not fail.
  for (const migration of eventsMigrations) await db.exec(migration.sql)
  assert.deepEqual(await migrate(db, eventsMigrations), [])
})

test('duplicate ids and odd table names are refused before touching the database', async () => {
  const db = await openDatabase({ url: databaseUrl, schema: 'public', maxConnections: 1 })
  try {
    await assert.rejects(migrate(db, [widgets[0]!, widgets[0]!]), { code: 'GRIM_CONFIG_INVALID' })
    await assert.rejects(migrate(db, widgets, 'bad-name; drop'), { code: 'GRIM_CONFIG_INVALID' })
  } finally {
    await db.close()
  }
})

test('PostgreSQL: two processes migrating at once apply each migration exactly once', async () => {
  const schema = uniqueSchema('migrate_race')
  const processes = await Promise.all(
    [1, 2, 3].map(() => openDatabase({ url: databaseUrl, schema, maxConnections: 2 })),
  )
  try {
    const counter = [
      { id: 'race-001', sql: 'create table runs (n int)' },
      { id: 'race-002', sql: 'insert into runs values (1)' },
      { id: 'race-003', sql: 'insert into runs values (1)' },
    ]
    const applied = await Promise.all(processes.map((db) => migrate(db, counter, 'race_migrations')))
    assert.deepEqual(applied.flat().sort(), ['race-001', 'race-002', 'race-003'])
    const [row] = await processes[0]!.query<{ n: number }>('select count(*)::int as n from runs')
    assert.equal(row?.n, 2)
  } finally {
    await processes[0]!.exec(`drop schema if exists "${schema}" cascade`)
    await Promise.all(processes.map((db) => db.close()))
  }
})
