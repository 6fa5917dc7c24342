// The issue 9 run, against the real broker, registry and PostgreSQL: the service starts with no cached schemas
// and its registry connection cut (a loopback proxy; the shared registry keeps running) while a user registers,
// updates their profile and logs in; later its PostgreSQL connection is cut while a second user does the same.
// Nothing goes to the DLQ, /health/ready names what is down, and both users reach the directory and the audit log.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { KafkaAdmin } from '@grimos/events'
import {
  createTestTopic,
  databaseUrl,
  eventually,
  kafkaBootstrap,
  readAll,
  registryUrl,
} from '../../../test/support/index.ts'
import { startTcpProxy } from '../../../test/support/tcp-proxy.ts'
import { EventPublisher, EventSerde, USER_EVENT_TYPES } from '../src/events.ts'
import { auth, buildTestService, lifeInputsOf } from './support.ts'

const CUT_MS = Number(process.env.GRIMOS_OUTAGE_MS ?? 8_000)

const topic = await createTestTopic('ec-outage', 3, ['.retry', '.dlq', '.dlq.status'])
const serde = new EventSerde({ registryUrl, topic })
after(async () => {
  for (const eventType of USER_EVENT_TYPES)
    await serde.registry.deleteSubject(serde.subjectFor(eventType), true).catch((error: { code?: string }) => {
      if (error.code !== 'GRIM_SCHEMA_NOT_FOUND') throw error
    })
})

test(`registry, then PostgreSQL, cut for ${CUT_MS / 1000} s each: no good event in the DLQ, health says why`, async () => {
  const registryProxy = await startTcpProxy(registryUrl)
  const databaseProxy = await startTcpProxy(databaseUrl)
  const service = await buildTestService(
    topic,
    // A small budget: without the outage rule these events would be dead-lettered within a second.
    { retry: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts: 3 }, outageBackoff: { maxDelayMs: 1_000 } },
    { registryUrl: registryProxy.url, databaseUrl: databaseProxy.url },
  )
  const publisher = new EventPublisher({
    topic,
    registryUrl,
    bootstrapBrokers: [kafkaBootstrap],
    serde,
    ensureTopic: false,
  })
  after(async () => {
    await publisher.close()
    await service.cleanup()
  })
  const ready = async () => {
    const response = await service.app.inject({ method: 'GET', url: '/health/ready' })
    return { status: response.statusCode, checks: response.json().checks as Record<string, boolean> | undefined }
  }
  const userVersion = async (userId: string) =>
    (await service.app.inject({ method: 'GET', url: `/users/${userId}`, headers: auth })).json().user?.version
  const auditCount = async (userId: string) =>
    (await service.app.inject({ method: 'GET', url: `/audit?user_id=${userId}`, headers: auth })).json().entries?.length
  const publishLife = async (userId: string) => {
    const life = lifeInputsOf(userId, new Date(Date.now() - 60_000))
    for (const input of [life.registered, life.updated, life.failedLogin, life.login]) await publisher.publish(input)
  }

  await registryProxy.cut()
  await service.consumer.start()
  const first = randomUUID()
  await publishLife(first)
  const registryDown = await eventually(ready, (r) => r.checks?.registry === false)
  assert.equal(registryDown.status, 503)
  assert.equal(registryDown.checks?.consumer, false)
  await new Promise((resolve) => setTimeout(resolve, CUT_MS))
  assert.equal((await ready()).status, 503, 'still not ready while the registry is cut')
  assert.equal(await userVersion(first), undefined, 'nothing handled during the cut')
  await registryProxy.restore()
  assert.equal(
    await eventually(
      () => userVersion(first),
      (v) => v === 2,
      30_000,
    ),
    2,
  )
  assert.equal(
    await eventually(
      () => auditCount(first),
      (n) => n === 2,
      30_000,
    ),
    2,
  )
  assert.equal((await eventually(ready, (r) => r.status === 200)).status, 200)

  await databaseProxy.cut()
  const second = randomUUID()
  await publishLife(second)
  const databaseDown = await eventually(ready, (r) => r.checks?.database === false)
  assert.equal(databaseDown.status, 503)
  await new Promise((resolve) => setTimeout(resolve, CUT_MS))
  assert.equal((await ready()).status, 503, 'still not ready while PostgreSQL is cut')
  await databaseProxy.restore()
  assert.equal(
    await eventually(
      () => userVersion(second),
      (v) => v === 2,
      30_000,
    ),
    2,
  )
  assert.equal(
    await eventually(
      () => auditCount(second),
      (n) => n === 2,
      30_000,
    ),
    2,
  )
  assert.equal((await eventually(ready, (r) => r.status === 200)).status, 200)

  // The DLQ topic is created with the first dead letter: none at all means none was written.
  const admin = new KafkaAdmin({ clientId: 'ec-outage-test' })
  const dlqExists = (await admin.listTopics()).includes(`${topic}.dlq`)
  await admin.close()
  assert.deepEqual(dlqExists ? await readAll(`${topic}.dlq`) : [], [], 'no good event in the DLQ')
})
