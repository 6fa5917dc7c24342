// The console in the stack: started after the registry (it reads schemas), on GRIMOS_CONSOLE_PORT, as the operator
// principal, with its accounts in PGlite under the state folder and the admin password written to its secrets.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { stackConfig } from '../stack/config.ts'
import { clientEnv, listenerMode } from '../stack/security.ts'
import { consoleComponent } from '../stack/services.ts'
import { components } from '../stack/stack.ts'

test('the console starts after the registry, as the operator, with its own database and secrets folder', async () => {
  const names = components.map((c) => c.name)
  assert.ok(names.indexOf('console') > names.indexOf('registry'))
  assert.ok(consoleComponent.dependsOn?.includes('registry'))
  assert.equal(consoleComponent.describe(), `http://127.0.0.1:${stackConfig.services.consolePort}`)
  assert.deepEqual(consoleComponent.ports, { GRIMOS_CONSOLE_PORT: stackConfig.services.consolePort })
  const spec = await consoleComponent.launch()
  assert.deepEqual(spec.args, [join(stackConfig.repoRoot, 'console', 'src', 'main.ts')])
  const env = spec.env ?? {}
  assert.equal(env.PORT, String(stackConfig.services.consolePort))
  assert.equal(env.PGLITE_DATA_DIR, join(stackConfig.stateDir, 'console', 'db'))
  assert.equal(env.CONSOLE_SECRETS_DIR, join(stackConfig.stateDir, 'secrets'))
  for (const [name, value] of Object.entries(clientEnv('operator', listenerMode())))
    assert.equal(env[name], value, name)
})
