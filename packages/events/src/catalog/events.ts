// The catalog: every user event grimOS publishes, defined once. TypeScript types come from `Static<>`, the
// Avro schemas are generated from the same definitions (avro-schema.ts), so the two cannot drift apart.
// No definition has a password or password-hash field, and every record is closed to undeclared keys.
import { type Static, Type } from 'typebox'
import { Closed, IsoTimestamp, Nullable, StringEnum } from './fields.ts'

/** Bumped when the catalog's schemas change; travels in every event as `schema_version`. */
export const SCHEMA_VERSION = 1

export const USER_EVENTS_TOPIC = 'grimos.user-events'
export const AVRO_NAMESPACE = 'dev.grimos.events'

export const USER_EVENT_TYPES = [
  'user_registered',
  'user_updated',
  'user_deleted',
  'user_login',
  'user_logout',
  'user_password_changed',
  'user_email_verified',
] as const

export type UserEventType = (typeof USER_EVENT_TYPES)[number]

/** The user as it is after the event: the same snapshot in every event type. */
const userSnapshot = {
  id: Type.String({ minLength: 1, description: 'User id; always equal to the envelope user_id.' }),
  email: Type.String({ description: 'Current email address.' }),
  full_name: Nullable(Type.String(), 'Display name, if the user gave one.'),
  is_active: Type.Boolean({ description: 'False once the account is deactivated or deleted.' }),
  is_superuser: Type.Boolean(),
  roles: Type.Array(Type.String(), { description: 'Role names granted to the user.' }),
}

const dataFieldsByType = {
  user_registered: {
    registration_method: StringEnum(['self_signup', 'admin', 'sso'] as const, 'How the account came to be.'),
  },
  user_updated: {
    changed_fields: Type.Array(Type.String(), { description: 'Names of the profile fields this update changed.' }),
  },
  user_deleted: {
    deleted_by: StringEnum(['self', 'admin'] as const, 'Who deleted the account.'),
    reason: Nullable(Type.String(), 'Free-text reason, if one was given.'),
  },
  user_login: {
    login_method: StringEnum(['password', 'refresh_token', 'sso'] as const),
    outcome: StringEnum(['success', 'failure'] as const),
    failure_reason: Nullable(Type.String(), 'Set exactly when outcome is failure.'),
  },
  user_logout: {
    all_sessions: Type.Boolean({ description: 'True when every session of the user was ended.' }),
    session_id: Nullable(Type.String(), 'The session that ended, when only one did.'),
  },
  user_password_changed: {
    changed_by: StringEnum(['user', 'reset', 'admin'] as const, 'Who changed it: the user, a reset link, an admin.'),
  },
  user_email_verified: {
    verified_email: Type.String({ description: 'The address that was verified; equals data.email.' }),
  },
} as const

export const EventMetadataSchema = Closed({
  source: Type.String({ minLength: 1, description: 'The service that published the event.' }),
  source_ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
})

function defineEvent<const T extends UserEventType>(eventType: T) {
  return Closed({
    event_id: Type.String({ description: 'UUIDv7; the idempotency key.' }),
    event_type: Type.Literal(eventType),
    schema_version: Type.Integer({ minimum: 1 }),
    user_id: Type.String({ minLength: 1 }),
    timestamp: IsoTimestamp('When it happened.'),
    data: Closed({ ...userSnapshot, ...dataFieldsByType[eventType] }),
    metadata: EventMetadataSchema,
  })
}

export const userEventSchemas = {
  user_registered: defineEvent('user_registered'),
  user_updated: defineEvent('user_updated'),
  user_deleted: defineEvent('user_deleted'),
  user_login: defineEvent('user_login'),
  user_logout: defineEvent('user_logout'),
  user_password_changed: defineEvent('user_password_changed'),
  user_email_verified: defineEvent('user_email_verified'),
}

type UserEventMap = { [K in UserEventType]: Static<(typeof userEventSchemas)[K]> }

/** The JSON view of a user event, discriminated on `event_type`. */
export type UserEvent<T extends UserEventType = UserEventType> = UserEventMap[T]
export type UserData<T extends UserEventType = UserEventType> = UserEvent<T>['data']
export type EventMetadata = Static<typeof EventMetadataSchema>

/** `UserRegistered` for `user_registered`. */
export function recordNameFor(eventType: UserEventType): string {
  return `${AVRO_NAMESPACE}.${pascalCase(eventType)}`
}

export function pascalCase(snake: string): string {
  return snake.replaceAll(/(?:^|_)([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

export function isUserEventType(value: unknown): value is UserEventType {
  return typeof value === 'string' && (USER_EVENT_TYPES as readonly string[]).includes(value)
}
