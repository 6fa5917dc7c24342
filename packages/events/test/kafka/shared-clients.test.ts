// Whoever creates the Kafka clients closes them: components given a shared pair leave it open.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeadLetterQueue } from '../../src/dlq/queue.ts'
import { DeadLetterWriter } from '../../src/dlq/writer.ts'
import { holdKafkaClients, type KafkaClients, openKafkaClients } from '../../src/kafka/shared-clients.ts'

function countingClients(): { clients: KafkaClients; closed: string[] } {
  const closed: string[] = []
  const clients = {
    producer: { close: async () => void closed.push('producer') },
    admin: { close: async () => void closed.push('admin') },
  } as unknown as KafkaClients
  return { clients, closed }
}

test('a dead-letter writer and a DLQ queue given shared clients leave them open', async () => {
  const { clients, closed } = countingClients()
  await new DeadLetterWriter({ clients }).close()
  await new DeadLetterQueue({ dlqTopic: 'shared-clients.dlq', clients }).close()
  assert.deepEqual(closed, [])
})

test('held clients: given ones are never closed, own ones once however often they are released', async () => {
  const { clients, closed } = countingClients()
  const given = holdKafkaClients(clients)
  await given.release()
  assert.deepEqual(closed, [])
  assert.equal(given.producer, clients.producer)

  const own = openKafkaClients({ clientId: 'shared-clients-test' })
  const first = own.release()
  assert.equal(own.release(), first, 'a second release waits for the same close')
  await first
})
