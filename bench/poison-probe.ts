import { createEventConsumer, EventSerde, KafkaAdmin, KafkaProducer, createUserEvent, USER_EVENT_TYPES } from '@grimos/events'
import { Registry } from 'prom-client'
import { loginInput } from './events.ts'
import { rawVarint, zigzag } from '../test/fuzz/mutations.ts'

const good = Number(process.env.GOOD ?? 100_000)
const poisonEvery = Number(process.env.EVERY ?? 10)
const stamp = Date.now().toString(36)
const serde = new EventSerde({ topic: `probe.${stamp}` })

async function seed(topic: string, withPoison: boolean) {
  const admin = new KafkaAdmin({ clientId: 'probe' })
  await admin.ensureTopic(topic, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 })
  await admin.close()
  const producer = new KafkaProducer({ clientId: 'probe' })
  let batch: { topic: string; key: string; value: Buffer }[] = []
  let poisons = 0
  for (let i = 0; i < good; i++) {
    const event = createUserEvent(loginInput(i, 2000) as never)
    const value = await serde.encode(event)
    batch.push({ topic, key: event.user_id, value })
    if (withPoison && i % poisonEvery === 0) {
      const bomb = Buffer.concat([value.subarray(0, 5), rawVarint(zigzag(2n ** 62n)), value.subarray(6)])
      batch.push({ topic, key: event.user_id, value: bomb })
      poisons++
    }
    if (batch.length >= 1000) { await producer.send(batch); batch = [] }
  }
  if (batch.length) await producer.send(batch)
  await producer.close()
  return poisons
}

async function consume(topic: string) {
  const consumer = createEventConsumer({ groupId: `probe-${topic}`, topics: [topic], dedupe: false, metricsRegistry: new Registry(), metricsIntervalMs: 0, serde, ...(process.env.NODLQ ? { deadLetters: { deadLetter: async () => ({ topic: 'x', partition: 0, offset: 0n }), close: async () => {} } as never } : {}) })
  let seen = 0
  let first = 0
  const done = new Promise<number>((resolve) => {
    for (const type of USER_EVENT_TYPES) consumer.registerHandler(type, async () => {
      if (seen === 0) first = performance.now()
      if (++seen === good) resolve(performance.now() - first)
      return { success: true, message: 'ok' }
    })
  })
  await consumer.start()
  const ms = await done
  await consumer.stop()
  return good / (ms / 1000)
}

const clean = `probe.clean.${stamp}`
const dirty = `probe.dirty.${stamp}`
await seed(clean, false)
const poisons = await seed(dirty, true)
const cleanRate = await consume(clean)
const dirtyRate = await consume(dirty)
console.log(JSON.stringify({ good, poisons, cleanRate: Math.round(cleanRate), dirtyRate: Math.round(dirtyRate), ratio: (dirtyRate / cleanRate).toFixed(2) }))
await serde.close()
process.exit(0)
