// Builds docs/configuration.md from the code: every environment variable the library reads (env.ts), every option
// of every component (the TypeBox schema and the defaults beside it in its options.ts, with the schema's doc
// comment), and every variable of both services. `npm run docs` writes it; a test fails when it is stale.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TObject } from 'typebox'
import { ENV_VARIABLES } from '../../packages/events/src/env.ts'

interface Component {
  name: string
  /** Where its options are defined, relative to the repository. */
  file: string
  schema: TObject
  defaults: Record<string, unknown>
  /** Defaults computed at run time, described in words. */
  computed?: Record<string, string>
}

const root = fileURLToPath(new URL('../../', import.meta.url))

async function libraryComponents(): Promise<Component[]> {
  const kafka = await import('../../packages/events/src/kafka/options.ts')
  const serde = await import('../../packages/events/src/serde/options.ts')
  const producer = await import('../../packages/events/src/producer/options.ts')
  const consumer = await import('../../packages/events/src/consumer/options.ts')
  const outbox = await import('../../packages/events/src/outbox/options.ts')
  const db = await import('../../packages/events/src/db/options.ts')
  const dlq = await import('../../packages/events/src/dlq/options.ts')
  const dedupe = await import('../../packages/events/src/dedupe/options.ts')
  const events = 'packages/events/src'
  return [
    {
      name: 'Kafka connection (every client)',
      file: `${events}/kafka/options.ts`,
      schema: kafka.ConnectionOptionsSchema,
      defaults: kafka.connectionDefaults,
    },
    {
      name: 'Topics the library creates',
      file: `${events}/kafka/options.ts`,
      schema: kafka.TopicOptionsSchema,
      defaults: kafka.topicDefaults,
    },
    {
      name: 'EventSerde',
      file: `${events}/serde/options.ts`,
      schema: serde.EventSerdeOptionsSchema,
      defaults: serde.eventSerdeDefaults,
    },
    {
      name: 'EventPublisher',
      file: `${events}/producer/options.ts`,
      schema: producer.PublisherOptionsSchema,
      defaults: producer.publisherDefaults,
      computed: { spillFile: '`$GRIMOS_SPILL_DIR/user-events.ndjson`, else `.grimos/spill/user-events.ndjson`' },
    },
    {
      name: 'createEventConsumer',
      file: `${events}/consumer/options.ts`,
      schema: consumer.ConsumerOptionsSchema,
      defaults: consumer.consumerDefaults,
    },
    {
      name: 'OutboxRelay',
      file: `${events}/outbox/options.ts`,
      schema: outbox.OutboxRelayOptionsSchema,
      defaults: outbox.outboxRelayDefaults,
      computed: { relayId: '`relay-<pid>-<random>`' },
    },
    {
      name: 'openDatabase',
      file: `${events}/db/options.ts`,
      schema: db.DatabaseOptionsSchema,
      defaults: db.databaseDefaults,
    },
    {
      name: 'DeadLetterQueue',
      file: `${events}/dlq/options.ts`,
      schema: dlq.DeadLetterQueueOptionsSchema,
      defaults: dlq.deadLetterQueueDefaults,
    },
    {
      name: 'DeadLetterWriter',
      file: `${events}/dlq/options.ts`,
      schema: dlq.DeadLetterWriterOptionsSchema,
      defaults: dlq.deadLetterWriterDefaults,
    },
    {
      name: 'InMemoryProcessedEventStore',
      file: `${events}/dedupe/options.ts`,
      schema: dedupe.InMemoryProcessedEventStoreOptionsSchema,
      defaults: dedupe.inMemoryProcessedEventStoreDefaults,
    },
    {
      name: 'PostgresProcessedEventStore',
      file: `${events}/dedupe/options.ts`,
      schema: dedupe.PostgresProcessedEventStoreOptionsSchema,
      defaults: dedupe.postgresProcessedEventStoreDefaults,
    },
  ]
}

async function serviceComponents(): Promise<Component[]> {
  const auth = await import('../../services/auth-service/src/options.ts')
  const consumer = await import('../../services/event-consumer/src/options.ts')
  const console = await import('../../console/src/options.ts')
  return [
    {
      name: 'auth-service',
      file: 'services/auth-service/src/options.ts',
      schema: auth.AuthEnvSchema,
      defaults: auth.authEnvDefaults,
    },
    {
      name: 'event-consumer',
      file: 'services/event-consumer/src/options.ts',
      schema: consumer.ServiceConfigSchema,
      defaults: consumer.serviceConfigDefaults,
    },
    {
      name: 'console',
      file: 'console/src/options.ts',
      schema: console.ConsoleConfigSchema,
      defaults: console.consoleConfigDefaults,
      computed: {
        CONSOLE_SECRETS_DIR: '`.grimos/secrets` of the checkout',
        CONSOLE_WEB_DIR: '`console/web/dist` of the checkout',
      },
    },
  ]
}

/** The doc comment right above `key:` in the file, or the service-kit's for shared service fields. */
function docComment(sources: string[], key: string): string {
  for (const source of sources) {
    const lines = source.split('\n')
    const at = lines.findIndex((line) => new RegExp(`^\\s*${key}:`).test(line))
    if (at < 1 || !lines[at - 1]?.trim().endsWith('*/')) continue
    let first = at - 1
    while (first > 0 && !lines[first]?.trim().startsWith('/**')) first--
    return lines
      .slice(first, at)
      .map((line) => line.trim().replace(/^\/\*\*\s?|\s?\*\/$|^\*\s?/g, ''))
      .join(' ')
      .trim()
  }
  return ''
}

function defaultOf(component: Component, key: string, required: boolean): string {
  if (component.computed?.[key]) return component.computed[key]
  if (key in component.defaults) {
    const value = component.defaults[key]
    return typeof value === 'object' && value !== null && Object.keys(value).length === 0
      ? '(none)'
      : `\`${JSON.stringify(value)}\``
  }
  return required ? '**required**' : '(unset)'
}

const cell = (text: string) => text.replaceAll('|', '\\|')

function table(component: Component): string {
  const sources = [
    readFileSync(`${root}${component.file}`, 'utf8'),
    readFileSync(`${root}packages/service-kit/src/config.ts`, 'utf8'),
    readFileSync(`${root}packages/events/src/retry/backoff.ts`, 'utf8'),
  ]
  const required = new Set(component.schema.required ?? [])
  const rows = Object.keys(component.schema.properties).map(
    (key) =>
      `| \`${key}\` | ${cell(defaultOf(component, key, required.has(key)))} | ${cell(docComment(sources, key))} |`,
  )
  return `### ${component.name}\n\n\`${component.file}\`\n\n| option | default | meaning |\n|---|---|---|\n${rows.join('\n')}`
}

export async function configurationDoc(): Promise<string> {
  const env = ENV_VARIABLES.map((v) => `| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} |`)
  return `# Configuration

Generated from the code by \`npm run docs\`; a test fails when this file and the code disagree. Do not edit by hand.

Precedence everywhere: options passed in code, then the environment, then the defaults below. The library reads its
environment variables in one place (\`packages/events/src/env.ts\`), lazily, once per process; each component
validates its options once, at construction, and a bad value is \`GRIM_CONFIG_INVALID\` naming it.

## Environment variables of @grimos/events

| variable | default | meaning |
|---|---|---|
${env.join('\n')}

## Options of @grimos/events

${(await libraryComponents()).map(table).join('\n\n')}

## Environment variables of the services

Each service reads its environment once at start (\`loadEnvConfig\`, service-kit) and stops with one line naming a bad
variable. The library's variables above apply to them too.

${(await serviceComponents()).map(table).join('\n\n')}
`
}

export const configurationDocPath = `${root}docs/configuration.md`
