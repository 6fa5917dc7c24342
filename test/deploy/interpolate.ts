// Compose's variable interpolation (https://compose-spec.io, "Interpolation"), for checking our compose files
// where no container engine runs: `$$` is a literal `$`; `${VAR}` and `$VAR`; `${VAR:-default}` / `${VAR-default}`;
// `${VAR:?error}` / `${VAR?error}`. Nested expressions in defaults are not used by our files and are refused.

export interface Interpolated {
  text: string
  /** Variables with no value and no default (compose would substitute an empty string, with a warning). */
  unset: string[]
  /** Errors of `${VAR:?error}` whose variable has no value (compose refuses to start). */
  required: { variable: string; message: string }[]
  /** Every variable referenced. */
  referenced: string[]
}

const expression = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g

export function interpolate(text: string, env: Record<string, string | undefined>): Interpolated {
  const unset: string[] = []
  const required: Interpolated['required'] = []
  const referenced = new Set<string>()
  const out = text.replace(
    expression,
    (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$'
      const name = (braced ?? bare) as string
      referenced.add(name)
      if (argument?.includes('$')) throw new Error(`nested interpolation is not supported here: ${whole}`)
      const value = env[name]
      // With a colon, an empty value counts as unset.
      const missing = operator?.startsWith(':') ? value === undefined || value === '' : value === undefined
      if (!missing) return value as string
      if (operator?.endsWith('-')) return argument ?? ''
      if (operator?.endsWith('?')) {
        required.push({ variable: name, message: argument ?? '' })
        return ''
      }
      if (value === undefined) unset.push(name)
      return value ?? ''
    },
  )
  return { text: out, unset, required, referenced: [...referenced].sort() }
}
