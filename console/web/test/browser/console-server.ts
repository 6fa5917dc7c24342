// What the browser test runs against: the real console backend (in process, on a free port, with its own
// operator and viewer accounts), a topic of its own whose catalog schemas are registered, and a real library
// consumer on that topic whose handler refuses one "poison" user while a flag is set.

import pino from 'pino'
import { Registry } from 'prom-client'
import {
  createEventConsumer,
  createUserEvent,
  EventSerde,
  KafkaProducer,
  USER_EVENT_TYPES,
  userEventRecord,
} from '../../../../packages/events/src/index.ts'
import { createTestTopic, deleteSubjectsAfter, eventually, uniqueName } from '../../../../test/support/index.ts'
import { startConsoleBackend } from './backend.ts'

export interface Account {
  username: string
  password: string
}

export interface ConsoleUnderTest {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string
  topic: string
  /** The registry subject of user_login on `topic`. */
  subject: string
  groupId: string
  /** The user the test's events are about (unique per run). */
  userId: string
  operator: Account
  viewer: Account
  /** Publishes a user_login the handler refuses (not retryable: straight to the DLQ); returns its event id. */
  sendPoison(): Promise<string>
  /** The first poison record's event id. */
  poisonId(): string
  /** Publishes a valid event every 100 ms for `ms` (traffic for the live charts). */
  trickle(ms: number): Promise<void>
  /** Clears the handler's failing condition. */
  fixHandler(): void
  /** Sets it again. */
  breakHandler(): void
  /** Stops the test's consumer: its group has no members then, as an offset reset needs. */
  stopConsumer(): Promise<void>
  /** Resolves once the consumer handled the event, rejects after 30 s. */
  handled(eventId: string): Promise<void>
  close(): Promise<void>
}

function login(userId: string) {
  return createUserEvent({
    eventType: 'user_login',
    userId,
    userData: {
      email: 'ada@example.com',
      is_active: true,
      is_superuser: false,
      roles: ['user'],
      login_method: 'password',
      outcome: 'success',
    },
    metadata: { source: 'console-browser-test' },
  })
}

export async function startConsoleUnderTest(): Promise<ConsoleUnderTest> {
  const topic = await createTestTopic('console-web', 3, ['.retry', '.dlq', '.dlq.status'])
  const serde = new EventSerde({ topic })
  deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))
  // The console validates and encodes but never registers: the catalog is registered as a service would.
  await serde.registerSchemas()

  const groupId = uniqueName('console-web-consumer')
  const userId = uniqueName('user')
  const poisonUser = uniqueName('poison')
  let failing = true
  let poisonId = ''
  const handled = new Set<string>()
  const consumer = createEventConsumer({
    groupId,
    topics: [topic],
    serde,
    metricsRegistry: new Registry(),
    logger: pino({ level: 'silent' }),
    commitIntervalMs: 100,
    metricsIntervalMs: 0,
  })
  consumer.registerHandler('user_login', async (event) => {
    if (event.user_id === poisonUser && failing)
      return { success: false, retryable: false, message: 'poison: the handler refuses this user' }
    handled.add(event.event_id)
    return { success: true, message: 'ok' }
  })
  await consumer.start()
  let stopped: Promise<void> | undefined
  const stopConsumer = () => {
    stopped ??= consumer.stop()
    return stopped
  }

  const backend = await startConsoleBackend({ userEventsTopic: topic, consumerGroup: groupId })
  const producer = new KafkaProducer({ clientId: 'console-web-test' })
  return {
    url: backend.url,
    topic,
    subject: serde.subjectFor('user_login'),
    groupId,
    userId,
    operator: backend.operator,
    viewer: backend.viewer,
    async sendPoison() {
      const event = login(poisonUser)
      // As a service publishes it: the record carries the event_id and event_type headers.
      await producer.send([userEventRecord(topic, event, await serde.encode(event))])
      poisonId ||= event.event_id
      return event.event_id
    },
    async trickle(ms) {
      for (const end = Date.now() + ms; Date.now() < end; ) {
        const event = login(userId)
        await producer.send([userEventRecord(topic, event, await serde.encode(event))])
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    poisonId: () => poisonId,
    fixHandler() {
      failing = false
    },
    breakHandler() {
      failing = true
    },
    async handled(eventId) {
      const done = await eventually(
        () => handled.has(eventId),
        (yes) => yes,
        30_000,
      )
      if (!done) throw new Error(`event ${eventId} was not handled within 30 s`)
    },
    stopConsumer,
    async close() {
      await backend.close()
      await stopConsumer()
      await producer.close()
      await serde.close()
    },
  }
}
