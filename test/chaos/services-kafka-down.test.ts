// Fault injection: the real broker is stopped while users register. auth-service must keep answering (the
// events wait in its outbox), and once the broker is back every event reaches event-consumer, each once.
// Stops and restarts the shared broker: phase 2 of `npm test` runs it alone.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { stopProcess } from '../../infra/stack/processes.ts'
import { infrastructure, up } from '../../infra/stack/stack.ts'
import { processedCounts, startServices } from '../e2e/support.ts'
import { eventually, registryUrl } from '../support/index.ts'

const users = 5

// Only the broker and the registry: a bare `up()` would also start the stack's own services and leave them running.
const restoreStack = () => up(undefined, infrastructure)

// Registered before the services' own clean-up, which needs the broker to delete the topic and commit offsets.
after(restoreStack)

const services = await startServices('chaos-kafka-down', {
  // Short backoffs, so the relay and the consumer notice the broker's return within seconds.
  relay: { backoff: { initialDelayMs: 200, maxDelayMs: 2_000 } },
  consumer: { retry: { initialDelayMs: 100, maxDelayMs: 1_000 } },
})

test('registrations succeed while Kafka is down; their events arrive once it is back, each processed once', async () => {
  const ids: string[] = []
  try {
    assert.ok(await stopProcess('kafka'), 'the broker was running and is now stopped')
    for (let i = 0; i < users; i++) {
      const response = await services.callAuth('POST', '/auth/register', {
        body: {
          email: `down.${i}.${randomBytes(4).toString('hex')}@example.com`,
          password: 'correct horse battery staple',
          full_name: `Offline User ${i}`,
        },
      })
      assert.equal(response.status, 201, JSON.stringify(response.body))
      ids.push(response.body.id)
    }
    const waiting = await services.outbox()
    assert.deepEqual(
      waiting.map((row) => [row.event_type, row.status]),
      ids.map(() => ['user_registered', 'pending']),
      'with the broker down, the events wait in the outbox',
    )
  } finally {
    await restoreStack()
  }

  // The registry keeps its schemas in Kafka (kafkasql): it answers again only once it has caught up.
  const subjects = await eventually(
    () =>
      fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.status,
        () => 0,
      ),
    (status) => status === 200,
    30_000,
  )
  assert.equal(subjects, 200, 'the registry answers again')

  const present = await eventually(
    async () => {
      const found = await Promise.all(ids.map((id) => services.readConsumer(`/users/${id}`)))
      return found.filter((response) => response.status === 200).map((response) => response.body)
    },
    (found) => found.length === users,
    60_000,
  )
  assert.equal(present.length, users, `${present.length} of ${users} users reached the read model`)
  for (const found of present) {
    assert.equal(found.user.version, 1)
    assert.deepEqual(
      found.changes.map((change: { event_type: string; outcome: string }) => [change.event_type, change.outcome]),
      [['user_registered', 'applied']],
    )
  }

  const counts = await eventually(
    async () => processedCounts(await services.consumerMetrics()),
    (actual) => actual['user_registered success'] === users,
    5_000,
  )
  // A publish the broker took but never acknowledged is sent again (at least once): the dedupe absorbs it as a
  // `duplicate`, which is not a second processing. Successes, though, must be exactly one per user.
  assert.equal(counts['user_registered success'], users, JSON.stringify(counts))
  for (const outcome of ['failure', 'dead_lettered']) {
    assert.equal(counts[`user_registered ${outcome}`], undefined, JSON.stringify(counts))
  }
  assert.ok((await services.outbox()).every((row) => row.status === 'sent'))
})
