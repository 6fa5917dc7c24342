// A form built from an Avro schema: one input per field, by type. Unions with null are optional (empty means
// null), enums are selects, string arrays are comma-separated, records nest. Anything else is edited as JSON.
import { Fragment } from 'preact'
import { useState } from 'preact/hooks'

export type AvroType = string | AvroType[] | { type: string; [key: string]: unknown }
export interface AvroField {
  name: string
  type: AvroType
  doc?: string
}

function nonNull(type: AvroType): { inner: AvroType; nullable: boolean } {
  if (Array.isArray(type)) {
    const rest = type.filter((t) => t !== 'null')
    return { inner: rest.length === 1 ? rest[0]! : rest, nullable: rest.length < type.length }
  }
  return { inner: type, nullable: false }
}

function kindOf(type: AvroType): string {
  if (typeof type === 'string') return type
  if (Array.isArray(type)) return 'union'
  if (type.type === 'array' && (type.items === 'string' || (type.items as { type?: string })?.type === 'string'))
    return 'string-array'
  if (type.logicalType && typeof type.type === 'string' && ['string', 'long', 'int'].includes(type.type as string))
    return type.type as string
  return type.type
}

export function FieldInput({
  field,
  value,
  onChange,
  path,
}: {
  field: AvroField
  value: unknown
  onChange: (value: unknown) => void
  path: string
}) {
  const { inner, nullable } = nonNull(field.type)
  const kind = kindOf(inner)
  const label = (
    <span>
      {field.name}
      {nullable ? <span class="muted"> (optional)</span> : null}
    </span>
  )
  const title = field.doc ?? ''
  if (kind === 'record' && typeof inner === 'object' && !Array.isArray(inner)) {
    const fields = (inner.fields as AvroField[]) ?? []
    const record = (value ?? {}) as Record<string, unknown>
    return (
      <fieldset class="stack">
        <legend>{field.name}</legend>
        {fields.map((f) => (
          <FieldInput
            key={f.name}
            field={f}
            path={`${path}.${f.name}`}
            value={record[f.name]}
            onChange={(v) => onChange({ ...record, [f.name]: v })}
          />
        ))}
      </fieldset>
    )
  }
  if (kind === 'boolean')
    return (
      <label class="check" title={title}>
        <input
          name={path}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        {label}
      </label>
    )
  if (kind === 'enum' && typeof inner === 'object' && !Array.isArray(inner))
    return (
      <label title={title}>
        {label}
        <select name={path} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value || null)}>
          {nullable || value === undefined ? <option value="">–</option> : null}
          {((inner.symbols as string[]) ?? []).map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
    )
  if (kind === 'string-array')
    return (
      <label title={title}>
        <span>
          {field.name} <span class="muted">(comma-separated)</span>
        </span>
        <input
          name={path}
          value={Array.isArray(value) ? value.join(', ') : ''}
          onInput={(e) =>
            onChange(
              e.currentTarget.value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      </label>
    )
  if (kind === 'string' || kind === 'int' || kind === 'long' || kind === 'double' || kind === 'float') {
    const numeric = kind !== 'string'
    return (
      <label title={title}>
        {label}
        <input
          name={path}
          type={(numeric ? 'number' : 'text') as 'text'}
          value={value === null || value === undefined ? '' : String(value)}
          onInput={(e) => {
            const text = e.currentTarget.value
            if (text === '' && nullable) onChange(null)
            else onChange(numeric ? Number(text) : text)
          }}
        />
      </label>
    )
  }
  return <JsonInput name={path} label={field.name} title={title} value={value} onChange={onChange} />
}

/** A field of a type the form has no input for, edited as JSON; the value changes only once the text parses. */
function JsonInput({
  name,
  label,
  title,
  value,
  onChange,
}: {
  name: string
  label: string
  title: string
  value: unknown
  onChange: (value: unknown) => void
}) {
  const [text, setText] = useState(() => JSON.stringify(value ?? null))
  const [problem, setProblem] = useState<string>()
  return (
    <label title={title}>
      <span>
        {label} <span class="muted">(JSON)</span>
      </span>
      <textarea
        name={name}
        rows={3}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value)
          try {
            onChange(JSON.parse(e.currentTarget.value))
            setProblem(undefined)
          } catch (error) {
            setProblem(`not JSON yet: ${(error as Error).message}`)
          }
        }}
      />
      {problem ? <span class="error small">{problem}</span> : null}
    </label>
  )
}

export function FieldList({
  fields,
  value,
  onChange,
  prefix,
}: {
  fields: AvroField[]
  value: Record<string, unknown>
  onChange: (value: Record<string, unknown>) => void
  prefix: string
}) {
  return (
    <Fragment>
      {fields.map((f) => (
        <FieldInput
          key={f.name}
          field={f}
          path={`${prefix}.${f.name}`}
          value={value[f.name]}
          onChange={(v) => onChange({ ...value, [f.name]: v })}
        />
      ))}
    </Fragment>
  )
}
