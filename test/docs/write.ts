// `npm run docs`: rewrites the generated docs (docs/configuration.md).
import { writeFileSync } from 'node:fs'
import { configurationDoc, configurationDocPath } from './configuration-doc.ts'

writeFileSync(configurationDocPath, await configurationDoc())
console.log(`wrote ${configurationDocPath}`)
