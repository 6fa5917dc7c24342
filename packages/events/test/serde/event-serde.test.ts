import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { deleteSubjectsAfter, registryUrl, uniqueName } from '../../../../test/support/index.ts'
import {
  type AvroRecordSchema,
  avroSchemaFor,
  avroTypeFor,
  compileAvroType,
  createUserEvent,
  USER_EVENT_TYPES,
} from '../../src/catalog/index.ts'
import { GrimError } from '../../src/errors.ts'
import { EventSerde, frame } from '../../src/serde/index.ts'
import { validInputs } from '../catalog/fixtures.ts'

const topic = uniqueName('serde')
const serde = new EventSerde({ topic })
after(() => serde.close())
deleteSubjectsAfter(() => USER_EVENT_TYPES.map((eventType) => serde.subjectFor(eventType)))

const hasCode =
  (code: string, pattern = /./) =>
  (error: unknown) =>
    error instanceof GrimError && error.code === code && pattern.test(error.message)

/** The catalog's UserRegistered with one more data field, `locale`, optional with a default: a BACKWARD change. */
function withLocale(schema: AvroRecordSchema): AvroRecordSchema {
  const v2 = structuredClone(schema) as AvroRecordSchema
  const data = v2.fields.find((f) => f.name === 'data')?.type as AvroRecordSchema
  data.fields.push({ name: 'locale', type: ['null', 'string'], default: null })
  return v2
}

test('encode frames the record: magic byte 0, then the id the registry gave the subject', async () => {
  const bytes = await serde.encode(createUserEvent(validInputs.user_registered))
  assert.equal(bytes[0], 0)
  const id = await serde.schemaIdFor('user_registered')
  assert.equal(bytes.readUInt32BE(1), id)
  const subject = encodeURIComponent(serde.subjectFor('user_registered'))
  assert.equal(serde.subjectFor('user_registered'), `${topic}-dev.grimos.events.UserRegistered`)
  const latest = (await (await fetch(`${registryUrl}/subjects/${subject}/versions/latest`)).json()) as { id: number }
  assert.equal(latest.id, id)
  const config = (await (await fetch(`${registryUrl}/config/${subject}`)).json()) as { compatibilityLevel: string }
  assert.equal(config.compatibilityLevel, 'BACKWARD', 'compatibility is set per subject')
})

test('encode validates first: an invalid event never becomes bytes', async () => {
  const event = createUserEvent(validInputs.user_updated)
  await assert.rejects(
    serde.encode({ ...event, data: { ...event.data, email: 'nope' } }),
    hasCode('GRIM_EVENT_INVALID'),
  )
})

test('schema evolution: a v1 writer is read by a v2 reader, and a v2 writer by a v1 reader', async () => {
  const event = createUserEvent(validInputs.user_registered)
  const v1 = avroSchemaFor('user_registered')
  const v2 = withLocale(v1)

  const v1Bytes = await serde.encode(event)
  const readByV2 = await serde.decode(v1Bytes, { readerSchema: v2 })
  assert.deepEqual(readByV2, { ...event, data: { ...event.data, locale: null } }, 'the new field takes its default')

  const subject = serde.subjectFor('user_registered')
  const v2Id = await serde.registry.register(subject, v2, 'BACKWARD')
  assert.notEqual(v2Id, v1Bytes.readUInt32BE(1))
  const v2Event = { ...event, data: { ...event.data, locale: 'de-AT' } }
  const v2Bytes = frame(v2Id, compileAvroType(v2).toBuffer(v2Event))
  const fresh = new EventSerde({ topic, autoRegister: false })
  after(() => fresh.close())
  assert.deepEqual(await fresh.decode(v2Bytes), event, 'a v1 reader drops the field it does not know')
  assert.deepEqual(await fresh.decode(v2Bytes, { readerSchema: v2 }), v2Event)
})

test('an incompatible change is refused by the registry with GRIM_SCHEMA_INCOMPATIBLE naming the subject', async () => {
  await serde.schemaIdFor('user_deleted')
  const subject = serde.subjectFor('user_deleted')
  const v1 = avroSchemaFor('user_deleted')
  const requiredWithoutDefault = structuredClone(v1) as AvroRecordSchema
  requiredWithoutDefault.fields.push({ name: 'tenant_id', type: 'string' })
  assert.equal(await serde.registry.testCompatibility(subject, requiredWithoutDefault), false)
  await assert.rejects(
    serde.registry.register(subject, requiredWithoutDefault, 'BACKWARD'),
    (error: unknown) =>
      hasCode('GRIM_SCHEMA_INCOMPATIBLE')(error) &&
      (error as GrimError).message.includes(subject) &&
      (error as GrimError).retryable === false,
  )
  const changedType = structuredClone(v1) as AvroRecordSchema
  const version = changedType.fields.find((f) => f.name === 'schema_version')
  if (version) version.type = 'string'
  await assert.rejects(serde.registry.register(subject, changedType, 'BACKWARD'), hasCode('GRIM_SCHEMA_INCOMPATIBLE'))
})

test('decode errors: unknown schema id, garbage bytes, and a decoded event that breaks the rules', async () => {
  const payload = avroTypeFor('user_login').toBuffer(createUserEvent(validInputs.user_login))
  await assert.rejects(serde.decode(frame(2_000_000_000, payload)), hasCode('GRIM_SCHEMA_NOT_FOUND', /2000000000/))
  // Once the registry said no, the consumer's synchronous path fails the same way without asking again.
  assert.throws(() => serde.decodeCached(frame(2_000_000_000, payload)), hasCode('GRIM_SCHEMA_NOT_FOUND', /2000000000/))
  await assert.rejects(serde.decode(Buffer.from('definitely not avro')), hasCode('GRIM_DECODE_FAILED'))
  const id = await serde.schemaIdFor('user_login')
  await assert.rejects(serde.decode(frame(id, Buffer.from([0xff, 0xff, 0xff]))), hasCode('GRIM_DECODE_FAILED'))
  await assert.rejects(
    serde.decode(frame(id, Buffer.concat([payload, Buffer.from([1])]))),
    hasCode('GRIM_DECODE_FAILED', /trailing/),
  )
  // Written by something that skipped validation: structurally fine, but the email breaks a rule.
  const event = createUserEvent(validInputs.user_login)
  const rogue = frame(id, avroTypeFor('user_login').toBuffer({ ...event, data: { ...event.data, email: 'x' } }))
  await assert.rejects(serde.decode(rogue), hasCode('GRIM_EVENT_INVALID', /data\.email/))
})

test('decodeUnknown reads with the writer schema alone, for inspecting dead letters', async () => {
  const event = createUserEvent(validInputs.user_logout)
  const bytes = await serde.encode(event)
  const other = new EventSerde({ topic, autoRegister: false })
  after(() => other.close())
  const decoded = await other.decodeUnknown(bytes)
  assert.equal(decoded.schemaId, bytes.readUInt32BE(1))
  assert.equal(decoded.recordName, 'dev.grimos.events.UserLogout')
  assert.deepEqual(decoded.value, event)
  assert.equal((decoded.writerSchema as { name?: string }).name, 'dev.grimos.events.UserLogout')
})

test('registerSchemas registers all seven once; without autoRegister an unregistered schema is not found', async () => {
  const registered = await serde.registerSchemas()
  assert.deepEqual(
    registered.map((r) => r.eventType),
    [...USER_EVENT_TYPES],
  )
  assert.equal(new Set(registered.map((r) => r.id)).size, 7)
  await serde.ensureCompatibility()
  const stranger = new EventSerde({ topic: uniqueName('serde-unregistered'), autoRegister: false })
  after(() => stranger.close())
  await assert.rejects(stranger.encode(createUserEvent(validInputs.user_login)), hasCode('GRIM_SCHEMA_NOT_FOUND'))
})

test('an unreachable registry is GRIM_REGISTRY_UNAVAILABLE and retryable; closed serde refuses', async () => {
  const offline = new EventSerde({ topic, registryUrl: 'http://127.0.0.1:9/apis/ccompat/v7', registryRetries: 0 })
  await assert.rejects(offline.encode(createUserEvent(validInputs.user_login)), (error: unknown) => {
    return hasCode('GRIM_REGISTRY_UNAVAILABLE')(error) && (error as GrimError).retryable
  })
  await assert.rejects(offline.decode(frame(1, Buffer.from([2]))), hasCode('GRIM_REGISTRY_UNAVAILABLE'))
  await offline.close()
  await assert.rejects(offline.encode(createUserEvent(validInputs.user_login)), hasCode('GRIM_CLOSED'))
  assert.throws(() => new EventSerde({ subjectStrategy: 'Whatever' as never }), hasCode('GRIM_CONFIG_INVALID'))
})

test('decoded events are plain objects, nested records included, equal to what was encoded', async () => {
  const event = createUserEvent(validInputs.user_login)
  const decoded = await serde.decode(await serde.encode(event))
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype)
  assert.equal(Object.getPrototypeOf(decoded.data), Object.prototype)
  assert.equal(Object.getPrototypeOf(decoded.metadata), Object.prototype)
  assert.deepStrictEqual(decoded, event)
})
