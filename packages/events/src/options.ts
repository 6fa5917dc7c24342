import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { GrimError } from './errors.ts'

/** What a caller may pass for a component: its schema's fields, each optional (the defaults fill the rest). */
export type OptionsInput<S extends TSchema> = Partial<Static<S>>

/**
 * Merges user options over defaults and validates the result against the component's schema, once, at
 * construction. Every component keeps its schema and its defaults side by side in its own options.ts.
 */
export function resolveOptions<S extends TSchema>(
  component: string,
  schema: S,
  defaults: Partial<Static<S>>,
  input: Partial<Static<S>> | undefined,
  /** What the environment says (env.ts): over the defaults, under what the caller passed. */
  environment: Partial<Static<S>> = {},
): Static<S> {
  const merged = { ...defaults, ...stripUndefined(environment), ...stripUndefined(input ?? {}) }
  if (!Value.Check(schema, merged)) {
    const problems = Value.Errors(schema, merged)
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(root)'} ${e.message}`)
    throw new GrimError('GRIM_CONFIG_INVALID', `${component} options are invalid: ${problems.join('; ')}`, {
      details: { component, problems },
    })
  }
  return merged as Static<S>
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>
}
