import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ENV_VARIABLES, parseBrokerList, readEventsEnv } from '../src/env.ts'
import { isGrimError } from '../src/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'grimos-env-'))
const pem = join(dir, 'ca.pem')
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
const notPem = join(dir, 'notes.txt')
writeFileSync(notPem, 'hello')

function refuses(source: Record<string, string>, variable: string): void {
  assert.throws(
    () => readEventsEnv(source),
    (error: unknown) => isGrimError(error) && error.code === 'GRIM_CONFIG_INVALID' && error.message.includes(variable),
  )
}

test('an empty environment gives nothing: every component falls back to its own defaults', () => {
  const env = readEventsEnv({})
  assert.equal(env.bootstrapBrokers, undefined)
  assert.equal(env.kafkaSecurity, undefined)
  assert.equal(env.registryUrl, undefined)
})

test('a broker list is split, trimmed and stripped of empty entries', () => {
  assert.deepEqual(parseBrokerList(' a:9092, b:9092 ,,c:9092 '), ['a:9092', 'b:9092', 'c:9092'])
  assert.equal(parseBrokerList(' , '), undefined)
  assert.equal(parseBrokerList(undefined), undefined)
  assert.deepEqual(readEventsEnv({ KAFKA_BOOTSTRAP_SERVERS: 'k1:1,k2:2' }).bootstrapBrokers, ['k1:1', 'k2:2'])
})

test('credentials without a protocol mean SASL_SSL: a password never goes out in the clear by omission', () => {
  const env = readEventsEnv({ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw', KAFKA_SSL_CA_LOCATION: pem })
  assert.deepEqual(env.kafkaSecurity?.sasl, { mechanism: 'SCRAM-SHA-512', username: 'svc', password: 'pw' })
  assert.match(env.kafkaSecurity?.tls?.ca ?? '', /BEGIN CERTIFICATE/)
})

test('malformed settings are GRIM_CONFIG_INVALID naming the variable, never a guess', () => {
  refuses({ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL')
  refuses({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'svc' }, 'KAFKA_SASL_PASSWORD')
  refuses({ KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_PASSWORD: 'pw' }, 'KAFKA_SASL_MECHANISM')
  refuses({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_LOCATION: notPem }, 'KAFKA_SSL_CA_LOCATION')
  refuses({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_LOCATION: join(dir, 'missing.pem') }, 'KAFKA_SSL_CA_LOCATION')
  refuses({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERTIFICATE_LOCATION: pem }, 'KAFKA_SSL_KEY_LOCATION')
  refuses({ GRIMOS_TOPIC_PARTITIONS: '0' }, 'GRIMOS_TOPIC_PARTITIONS')
  refuses({ GRIMOS_TOPIC_REPLICATION: 'three' }, 'GRIMOS_TOPIC_REPLICATION')
})

test('a password is never part of an error message', () => {
  assert.throws(
    () => readEventsEnv({ KAFKA_SASL_PASSWORD: 'hunter2-secret', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }),
    (error: unknown) => isGrimError(error) && !error.message.includes('hunter2'),
  )
})

test('every variable read is listed for docs/configuration.md', () => {
  const source = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get: (_target, name) => {
        read.add(String(name))
        return undefined
      },
    },
  )
  const read = new Set<string>()
  readEventsEnv(source)
  const listed = new Set(ENV_VARIABLES.map((variable) => variable.name))
  for (const name of read) assert.ok(listed.has(name), `${name} is read but not in ENV_VARIABLES`)
})
