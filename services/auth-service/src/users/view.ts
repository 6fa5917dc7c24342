import { Type } from 'typebox'
import { userSnapshot } from '../events.ts'
import type { UserRow } from './repository.ts'

/** The user as callers see it. The response schema also keeps any stray column (a hash) out of the JSON. */
export const UserViewSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String({ format: 'email' }),
    full_name: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
    is_superuser: Type.Boolean(),
    roles: Type.Array(Type.String()),
    email_verified: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

export function toUserView(user: UserRow) {
  return {
    // The fields every user event carries, so the API and the events cannot drift apart.
    ...userSnapshot(user),
    email_verified: user.email_verified_at !== null,
    created_at: new Date(user.created_at).toISOString(),
    updated_at: new Date(user.updated_at).toISOString(),
  }
}
