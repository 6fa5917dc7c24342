// End to end: the real EventPublisher publishes one user's life to a unique topic, the service's consumer handles
// it, and the read API shows exactly that history in the directory and the audit log.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { createTestTopic, eventually, kafkaBootstrap, registryUrl } from '../../../test/support/index.ts'
import { EventPublisher, EventSerde, USER_EVENT_TYPES } from '../src/events.ts'
import { auth, buildTestService, lifeInputsOf } from './support.ts'

const topic = await createTestTopic('ec-app', 3, ['.retry', '.dlq', '.dlq.status'])
let service: Awaited<ReturnType<typeof buildTestService>>
let publisher: EventPublisher
const serde = new EventSerde({ registryUrl, topic })

before(async () => {
  service = await buildTestService(topic, { retry: { initialDelayMs: 50, maxDelayMs: 200 } })
  publisher = new EventPublisher({ topic, registryUrl, bootstrapBrokers: [kafkaBootstrap], serde, ensureTopic: false })
  await service.consumer.start()
})

after(async () => {
  await publisher.close()
  await service.cleanup()
  // The publisher registered the catalog schemas under this topic's subjects: remove them with the topic.
  for (const eventType of USER_EVENT_TYPES) {
    await serde.registry.deleteSubject(serde.subjectFor(eventType), true).catch((error: { code?: string }) => {
      if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
    })
  }
})

test('the service turns one user life into the directory row and the audit log', async () => {
  const userId = randomUUID()
  const life = lifeInputsOf(userId, new Date(Date.now() - 60_000))
  for (const input of Object.values(life)) await publisher.publish(input)

  const user = await eventually(
    async () => (await service.app.inject({ method: 'GET', url: `/users/${userId}`, headers: auth })).json(),
    (body) => body.user?.version === 4,
    30_000,
  )
  assert.deepEqual(
    {
      ...user.user,
      created_at: undefined,
      updated_at: undefined,
      deleted_at: undefined,
    },
    {
      id: userId,
      // user_deleted erased them (docs/privacy.md).
      email: null,
      full_name: null,
      is_active: false,
      is_superuser: false,
      roles: null,
      email_verified: false,
      deleted: true,
      created_at: undefined,
      updated_at: undefined,
      deleted_at: undefined,
      last_event_id: life.deleted.eventId,
      version: 4,
    },
  )
  assert.equal(user.user.created_at, life.registered.timestamp)
  assert.equal(user.user.deleted_at, life.deleted.timestamp)
  assert.deepEqual(
    user.changes.map((c: { event_id: string; outcome: string }) => [c.event_id, c.outcome]),
    [life.registered, life.updated, life.emailVerified, life.deleted].map((e) => [e.eventId, 'applied']),
  )

  const audit = await eventually(
    async () => (await service.app.inject({ method: 'GET', url: `/audit?user_id=${userId}`, headers: auth })).json(),
    (body) => body.entries?.length === 4,
    30_000,
  )
  assert.deepEqual(
    audit.entries.map((e: { event_id: string; event_type: string; outcome: string }) => [
      e.event_id,
      e.event_type,
      e.outcome,
    ]),
    [
      [life.failedLogin.eventId, 'user_login', 'failure'],
      [life.login.eventId, 'user_login', 'success'],
      [life.passwordChanged.eventId, 'user_password_changed', 'success'],
      [life.logout.eventId, 'user_logout', 'success'],
    ],
  )
  // The user is deleted: the audit trail keeps who, what, outcome and when, not the client's IP and agent.
  assert.equal(audit.entries[0].source_ip, null)
  assert.equal(audit.entries[0].user_agent, null)
  assert.equal(audit.entries[0].request_id, 'req-1')

  const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body
  assert.match(metrics, /grimos_consumer_events_processed_total\{[^}]*event_type="user_deleted"[^}]*outcome="success"/)
  const ready = await service.app.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(ready.statusCode, 200)
})

test('an update ahead of its registration is retried, then dead-lettered; its replay is absorbed by the dedupe', async () => {
  const userId = randomUUID()
  const life = lifeInputsOf(userId, new Date(Date.now() - 60_000))
  // Same key, so the update blocks the registration behind it: the handler asks for retries (never inventing a
  // row) until they run out and the update goes to the DLQ; then the registration and a new copy apply.
  await publisher.publish(life.updated)
  await publisher.publish(life.registered)
  await publisher.publish(life.updated)
  const user = await eventually(
    async () => (await service.app.inject({ method: 'GET', url: `/users/${userId}`, headers: auth })).json(),
    (body) => body.user?.version === 2,
    30_000,
  )
  assert.equal(user.user.full_name, 'Ada King')

  const dead = await eventually(
    async () => (await service.app.inject({ method: 'GET', url: `/dlq/records?key=${userId}`, headers: auth })).json(),
    (body) => body.records?.length === 1,
  )
  const [record] = dead.records
  assert.equal(record.eventId, life.updated.eventId)
  assert.equal(record.info.errorClass, 'GRIM_HANDLER_FAILED')
  assert.match(record.info.errorMessage, /arrived before its user_registered/)

  const { partition, offset } = record.position
  const replay = await service.app.inject({
    method: 'POST',
    url: `/dlq/records/${partition}/${offset}/replay`,
    headers: auth,
    payload: { by: 'integration-test' },
  })
  assert.equal(replay.statusCode, 200)
  const duplicates = await eventually(
    async () => (await service.app.inject({ method: 'GET', url: '/metrics' })).body,
    (body) =>
      /grimos_consumer_events_processed_total\{[^}]*event_type="user_updated"[^}]*outcome="duplicate"[^}]*\} 1/.test(
        body,
      ),
  )
  assert.match(duplicates, /outcome="duplicate"/)
  const again = (await service.app.inject({ method: 'GET', url: `/users/${userId}`, headers: auth })).json()
  assert.equal(again.user.version, 2, 'the replayed event_id changed nothing')
})
