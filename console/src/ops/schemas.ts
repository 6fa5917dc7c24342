import { GrimError } from '@grimos/events'
import type { CheckAnswer, SchemaDiff, SchemaVersion, SubjectList } from '../http/schemas/index.ts'
import type { Ops } from './context.ts'
import { messageOf } from './format.ts'

// Registry views: subjects and versions, a diff of two versions (fields and lines), and a candidate check that
// asks the registry itself (its compatibility rules, not ours) without registering anything.

const MAX_SUBJECTS = 1000
const SUBJECTS_AT_ONCE = 10

export async function listSubjects(ops: Ops): Promise<SubjectList> {
  const names = (await ops.registry.subjects()).sort().slice(0, MAX_SUBJECTS)
  const globalCompatibility = await ops.registry.compatibility()
  const subjects = []
  // A few subjects at a time: a registry with hundreds of them is not sent hundreds of requests at once.
  for (let i = 0; i < names.length; i += SUBJECTS_AT_ONCE) {
    const batch = names.slice(i, i + SUBJECTS_AT_ONCE)
    subjects.push(
      ...(await Promise.all(
        batch.map(async (subject) => {
          const [versions, latest, compatibility] = await Promise.all([
            ops.registry.versions(subject),
            ops.registry.schemaVersion(subject, 'latest'),
            ops.registry.compatibility(subject),
          ])
          return { subject, versions, latestVersion: latest.version, latestId: latest.id, compatibility }
        }),
      )),
    )
  }
  return { subjects, globalCompatibility }
}

export async function schemaVersion(ops: Ops, subject: string, version: number): Promise<SchemaVersion> {
  return ops.registry.schemaVersion(subject, version)
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Fields of an Avro record schema by dotted path (nested records flattened), each with its declaration. */
function fieldsOf(schema: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (!schema || typeof schema !== 'object' || out.size > 10_000) return out
  const record = schema as { type?: unknown; fields?: unknown }
  if (record.type !== 'record' || !Array.isArray(record.fields)) return out
  for (const field of record.fields as { name?: unknown; type?: unknown }[]) {
    if (typeof field?.name !== 'string') continue
    const path = prefix ? `${prefix}.${field.name}` : field.name
    out.set(path, field)
    const nested = Array.isArray(field.type) ? field.type.find((t) => typeof t === 'object') : field.type
    fieldsOf(nested, path, out)
  }
  return out
}

/** A longest-common-subsequence line diff, bounded (schemas are small; a huge one is cut). */
export function lineDiff(before: string[], after: string[]): string[] {
  const a = before.slice(0, 2000)
  const b = after.slice(0, 2000)
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      (lengths[i] as number[])[j] =
        a[i] === b[j]
          ? ((lengths[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lengths[i + 1] as number[])[j] as number, (lengths[i] as number[])[j + 1] as number)
  const lines: string[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push(`  ${a[i]}`)
      i++
      j++
    } else if (((lengths[i + 1] as number[])[j] as number) >= ((lengths[i] as number[])[j + 1] as number)) {
      lines.push(`- ${a[i++]}`)
    } else {
      lines.push(`+ ${b[j++]}`)
    }
  }
  while (i < a.length) lines.push(`- ${a[i++]}`)
  while (j < b.length) lines.push(`+ ${b[j++]}`)
  return lines
}

export async function diffVersions(ops: Ops, subject: string, from: number, to: number): Promise<SchemaDiff> {
  const [a, b] = await Promise.all([ops.registry.schemaVersion(subject, from), ops.registry.schemaVersion(subject, to)])
  const before = fieldsOf(a.schema)
  const after = fieldsOf(b.schema)
  const changes: SchemaDiff['changes'] = []
  for (const [path, field] of before) {
    const now = after.get(path)
    if (now === undefined) changes.push({ path, change: 'removed', before: field })
    else if (JSON.stringify(now) !== JSON.stringify(field))
      changes.push({ path, change: 'changed', before: field, after: now })
  }
  for (const [path, field] of after) if (!before.has(path)) changes.push({ path, change: 'added', after: field })
  const pretty = (s: unknown) => JSON.stringify(s as Json, null, 2).split('\n')
  return { subject, from, to, changes, lines: lineDiff(pretty(a.schema), pretty(b.schema)) }
}

export async function checkCandidate(ops: Ops, subject: string, schemaText: string): Promise<CheckAnswer> {
  const compatibility = await ops.registry.compatibility(subject).catch((error: unknown) => {
    if (error instanceof GrimError && error.code === 'GRIM_SCHEMA_NOT_FOUND') return 'UNKNOWN'
    throw error
  })
  try {
    JSON.parse(schemaText)
  } catch (error) {
    return { subject, compatibility, compatible: false, messages: [`not JSON: ${messageOf(error)}`] }
  }
  try {
    return { subject, compatibility, ...(await ops.registry.checkCandidate(subject, schemaText)) }
  } catch (error) {
    // 422: the registry could not read the candidate as a schema; that is the answer, not a failure.
    if (error instanceof GrimError && error.code === 'GRIM_SCHEMA_INCOMPATIBLE')
      return { subject, compatibility, compatible: false, messages: [error.message] }
    throw error
  }
}
