import { type Static, Type } from 'typebox'
import { Cursor, Role, strict, Username } from './common.ts'

// GET/POST /api/operators, DELETE /api/operators/:username (role operator), GET /api/audit (any role).

export const OperatorParams = Type.Object({ username: Username }, strict)

export const AddOperatorBody = Type.Object(
  { username: Username, password: Type.String({ minLength: 12, maxLength: 1024 }), role: Role },
  strict,
)

export const OperatorAccount = Type.Object({
  username: Type.String(),
  role: Role,
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
})

export const OperatorList = Type.Object({ operators: Type.Array(OperatorAccount) })

export const AuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    /** `nextCursor` of the previous page (older entries). */
    cursor: Type.Optional(Cursor),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
)

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  /** The logged-in operator (or `cli:<name>` for the CLI's direct mode). */
  principal: Type.String(),
  /** dlq.replay, dlq.replay-many, dlq.discard, produce, group.reset-offsets, operator.add, operator.remove… */
  action: Type.String(),
  target: Type.String(),
  details: Type.Unknown(),
})

export const AuditPage = Type.Object({ entries: Type.Array(AuditEntry), nextCursor: Type.Optional(Type.String()) })

export type AddOperatorBody = Static<typeof AddOperatorBody>
export type OperatorAccount = Static<typeof OperatorAccount>
export type OperatorList = Static<typeof OperatorList>
export type AuditQuery = Static<typeof AuditQuery>
export type AuditEntry = Static<typeof AuditEntry>
export type AuditPage = Static<typeof AuditPage>
