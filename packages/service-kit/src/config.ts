import { type Static, type TObject, Type } from 'typebox'
import { Value } from 'typebox/value'

const secretLike = /SECRET|PASSWORD|TOKEN|KEY|URL/i

/** Every development default secret of docker-compose.yml (and deploy/dev-secrets/) contains this: it is public. */
export const DEV_ONLY_SECRET_MARKER = 'dev-only-insecure'

/** The secret-like variables of `env` (passwords, tokens, keys, URLs with credentials) holding a public dev-only default. */
export function developmentSecretsIn(env: Record<string, string | undefined> = process.env): string[] {
  return Object.keys(env)
    .filter((name) => secretLike.test(name) && env[name]?.includes(DEV_ONLY_SECRET_MARKER))
    .sort()
}

/** Raised once at start when the environment is unusable; the message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly variable: string

  constructor(variable: string, message: string) {
    super(`invalid configuration: ${variable} ${message}`)
    this.variable = variable
  }
}

/**
 * Reads the variables named by the schema's keys from `env`, fills in `defaults`, converts strings to the
 * schema's types (numbers, booleans) and validates once. Empty strings count as unset.
 */
export function loadEnvConfig<S extends TObject>(
  schema: S,
  defaults: Partial<Static<S>>,
  env: Record<string, string | undefined> = process.env,
): Static<S> {
  const raw: Record<string, unknown> = { ...defaults }
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const converted = Value.Convert(schema, raw) as Record<string, unknown>
  const first = Value.Errors(schema, converted)[0]
  if (first !== undefined) {
    const path = first.instancePath.split('/').filter(Boolean)
    const missing = (first.params as { requiredProperties?: string[] }).requiredProperties?.[0]
    const variable = path[0] ?? missing ?? '(environment)'
    if (path.length === 0 && missing !== undefined) throw new ConfigError(variable, 'is required')
    // The offending value helps, except for secrets.
    const shown = variable in raw && !secretLike.test(variable) ? ` (got ${JSON.stringify(raw[variable])})` : ''
    throw new ConfigError(variable, `${first.message}${shown}`)
  }
  const devSecrets = developmentSecretsIn(env)
  if (converted.NODE_ENV === 'production' && devSecrets.length > 0)
    throw new ConfigError(
      devSecrets.join(', '),
      `holds a public "${DEV_ONLY_SECRET_MARKER}" development default, refused when NODE_ENV=production (see docs/deployment.md)`,
    )
  return converted as Static<S>
}

/** The variables every grimOS service reads, to spread into its own schema: `Type.Object({ ...serviceEnvFields, ... })`. */
export const serviceEnvFields = {
  /** `production` requires every secret to be set; elsewhere development secrets are generated. */
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')]),
  /** 127.0.0.1 unless exposed on purpose (a container sets 0.0.0.0). */
  HOST: Type.String({ minLength: 1 }),
  /** HTTP port (0: any free one). */
  PORT: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** pino level of the service log. */
  LOG_LEVEL: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
}
