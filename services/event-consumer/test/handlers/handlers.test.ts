import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { HandlerContext, Queryable, UserEventType } from '../../src/events.ts'
import { registerUserEventHandlers, userEventHandlers } from '../../src/handlers/index.ts'
import { listAuditEntries } from '../../src/read-model/audit-log.ts'
import { findUser } from '../../src/read-model/users.ts'
import { lifeOf, testOnEachEngine } from '../support.ts'

const contextOf = (tx: Queryable | undefined): HandlerContext => ({
  tx,
  attempt: 1,
  record: { topic: 't', partition: 0, offset: 0n, headers: new Map() },
})

test('a handler is registered for every catalog event type', () => {
  const registered: string[] = []
  registerUserEventHandlers({ registerHandler: (eventType) => registered.push(eventType) }, userEventHandlers())
  assert.deepEqual(registered.sort(), [
    'user_deleted',
    'user_email_verified',
    'user_login',
    'user_logout',
    'user_password_changed',
    'user_registered',
    'user_updated',
  ] satisfies UserEventType[])
})

test('without the processed-events transaction the handlers refuse to write', async () => {
  const handlers = userEventHandlers()
  const { registered } = lifeOf(randomUUID())
  await assert.rejects(
    handlers.user_registered(registered, contextOf(undefined)),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'GRIM_CONFIG_INVALID')
      return true
    },
  )
})

testOnEachEngine('handlers write through context.tx and report outcomes', async (db) => {
  const outcomes: string[] = []
  const handlers = userEventHandlers((eventType, outcome) => outcomes.push(`${eventType}:${outcome}`))
  const life = lifeOf(randomUUID())

  const early = await db.transaction((tx) => handlers.user_updated(life.updated, contextOf(tx)))
  assert.equal(early.success, false)
  assert.equal(early.retryable, true, 'an update before its registration is retried, not dropped')
  assert.match(early.message, /before its user_registered/)

  for (const [type, event] of [
    ['user_registered', life.registered],
    ['user_updated', life.updated],
    ['user_login', life.failedLogin],
    ['user_login', life.login],
    ['user_email_verified', life.emailVerified],
    ['user_password_changed', life.passwordChanged],
    ['user_logout', life.logout],
    ['user_deleted', life.deleted],
  ] as const) {
    const handler = handlers[type] as (e: typeof event, c: HandlerContext) => ReturnType<typeof handlers.user_login>
    const result = await db.transaction((tx) => handler(event, contextOf(tx)))
    assert.equal(result.success, true, result.message)
  }
  const again = await db.transaction((tx) => handlers.user_login(life.login, contextOf(tx)))
  assert.equal(again.success, true)
  assert.match(again.message, /duplicate/)

  assert.equal((await findUser(db, life.registered.user_id))?.version, 4)
  assert.equal((await listAuditEntries(db, { userId: life.registered.user_id })).length, 4)
  assert.deepEqual(outcomes, [
    'user_updated:unknown-user',
    'user_registered:applied',
    'user_updated:applied',
    'user_login:recorded',
    'user_login:recorded',
    'user_email_verified:applied',
    'user_password_changed:recorded',
    'user_logout:recorded',
    'user_deleted:applied',
    'user_login:duplicate',
  ])
})
