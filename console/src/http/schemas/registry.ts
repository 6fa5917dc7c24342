import { type Static, Type } from 'typebox'
import { strict } from './common.ts'

// GET /api/schemas, GET /api/schemas/:subject, GET /api/schemas/:subject/versions/:version,
// GET /api/schemas/:subject/diff?from=&to=, POST /api/schemas/:subject/check (a candidate, registers nothing).

const Subject = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._:-]+$' })
const VersionNumber = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })

export const SubjectParams = Type.Object({ subject: Subject }, strict)
export const VersionParams = Type.Object({ subject: Subject, version: VersionNumber }, strict)
export const DiffQuery = Type.Object({ from: VersionNumber, to: VersionNumber }, strict)
/** The candidate Avro schema as JSON text (what `register` would send). */
export const CheckBody = Type.Object({ schema: Type.String({ minLength: 2, maxLength: 262_144 }) }, strict)

const Compatibility = Type.String({ description: 'BACKWARD, FORWARD, FULL, NONE, …_TRANSITIVE' })

export const SubjectSummary = Type.Object({
  subject: Type.String(),
  versions: Type.Array(Type.Integer()),
  latestVersion: Type.Integer(),
  latestId: Type.Integer(),
  compatibility: Compatibility,
})

export const SubjectList = Type.Object({ subjects: Type.Array(SubjectSummary), globalCompatibility: Compatibility })

export const SchemaVersion = Type.Object({
  subject: Type.String(),
  version: Type.Integer(),
  id: Type.Integer(),
  schema: Type.Unknown(),
})

export const SchemaDiff = Type.Object({
  subject: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  /** Field-level changes of the record schemas (path `data.email`). */
  changes: Type.Array(
    Type.Object({
      path: Type.String(),
      change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
      before: Type.Optional(Type.Unknown()),
      after: Type.Optional(Type.Unknown()),
    }),
  ),
  /** A line diff of the pretty-printed schemas, `+`/`-`/` ` prefixed. */
  lines: Type.Array(Type.String()),
})

export const CheckAnswer = Type.Object({
  subject: Type.String(),
  compatibility: Compatibility,
  compatible: Type.Boolean(),
  /** The registry's reasons when it refuses, or why the text is not a schema. */
  messages: Type.Array(Type.String()),
})

export type SubjectSummary = Static<typeof SubjectSummary>
export type SubjectList = Static<typeof SubjectList>
export type SchemaVersion = Static<typeof SchemaVersion>
export type SchemaDiff = Static<typeof SchemaDiff>
export type CheckAnswer = Static<typeof CheckAnswer>
