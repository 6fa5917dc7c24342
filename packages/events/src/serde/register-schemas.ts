// CLI: node packages/events/src/serde/register-schemas.ts [--registry-url URL] [--topic TOPIC]
//        [--strategy TopicRecordNameStrategy|TopicNameStrategy|RecordNameStrategy] [--compatibility BACKWARD]
// Prints `subject -> id` per event type; on failure one line on stderr and exit code 1.
import { parseArgs } from 'node:util'
import { isGrimError, messageOf } from '../errors.ts'
import type { CompatibilityLevel } from './options.ts'
import { registerAllSchemas } from './register-all.ts'
import type { SubjectStrategy } from './subjects.ts'

try {
  const { values } = parseArgs({
    options: {
      'registry-url': { type: 'string' },
      topic: { type: 'string' },
      strategy: { type: 'string' },
      compatibility: { type: 'string' },
    },
  })
  const registered = await registerAllSchemas({
    registryUrl: values['registry-url'],
    topic: values.topic,
    subjectStrategy: values.strategy as SubjectStrategy | undefined,
    compatibility: values.compatibility as CompatibilityLevel | undefined,
  })
  for (const { subject, id } of registered) process.stdout.write(`${subject} -> ${id}\n`)
} catch (error) {
  const code = isGrimError(error) ? `${error.code}: ` : ''
  process.stderr.write(`register-schemas failed: ${code}${messageOf(error).split('\n')[0]}\n`)
  process.exitCode = 1
}
