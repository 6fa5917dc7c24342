// A manual check of issue 9's first "done when" against a running `npm start` stack: hostile records on the
// user-events topic go to the DLQ while the event-consumer stays up. Run: node test/e2e/hostile-stack.ts
// (it writes to grimos.user-events of the stack at KAFKA_BOOTSTRAP_SERVERS; prints what it sent and what the DLQ holds).
import { avroTypeFor, createUserEvent, USER_EVENTS_TOPIC } from '../../packages/events/src/catalog/index.ts'
import { KafkaProducer } from '../../packages/events/src/kafka/index.ts'
import { EventSerde } from '../../packages/events/src/serde/index.ts'
import { readTopic } from '../../packages/events/test/consumer/helpers.ts'
import { rawVarint, varintFields, zigzag } from '../fuzz/mutations.ts'

const serde = new EventSerde({ topic: USER_EVENTS_TOPIC })
const event = createUserEvent({
  eventType: 'user_registered',
  userId: 'hostile-check',
  userData: {
    email: 'h@example.com',
    is_active: true,
    is_superuser: false,
    roles: ['user'],
    registration_method: 'self_signup',
  },
  metadata: { source: 'hostile-check' },
} as never)
const framed = await serde.encode(event)
const fields = varintFields(avroTypeFor('user_registered'), framed.subarray(5))
const at = (kind: string, nth = 0) => fields.filter((f) => f.kind === kind)[nth]!
const splice = (start: number, end: number, bytes: Buffer) =>
  Buffer.concat([framed.subarray(0, start + 5), bytes, framed.subarray(end + 5)])
const count = at('count')
const length = at('length')
const hostile = [
  splice(count.start, count.end, rawVarint(zigzag(2n ** 31n))),
  splice(length.start, length.end, rawVarint(zigzag(2n ** 62n))),
  Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]),
  Buffer.from('not avro at all'),
]
const before = (await readTopic(`${USER_EVENTS_TOPIC}.dlq`)).length
const producer = new KafkaProducer({ clientId: 'hostile-check' })
await producer.send(hostile.map((value) => ({ topic: USER_EVENTS_TOPIC, key: 'hostile-check', value })))
await producer.close()
console.log(`sent ${hostile.length} hostile records; DLQ had ${before}`)
const deadline = Date.now() + 30_000
let after = before
while (Date.now() < deadline && after < before + hostile.length) {
  await new Promise((resolve) => setTimeout(resolve, 500))
  after = (await readTopic(`${USER_EVENTS_TOPIC}.dlq`)).length
}
console.log(`DLQ now holds ${after} (${after - before} new)`)
await serde.close()
process.exit(after - before === hostile.length ? 0 : 1)
