// One valid input per event type, shared by the catalog and serde tests.
import type { PublishUserEventInput, UserEventType } from '../../src/catalog/index.ts'

export const userId = '0190d5a2-7c1e-7b3a-9f00-6c5e2a1b3c4d'

const person = {
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  is_active: true,
  is_superuser: false,
  roles: ['user'],
}

export const validInputs: { [T in UserEventType]: PublishUserEventInput<T> } = {
  user_registered: {
    eventType: 'user_registered',
    userId,
    userData: { ...person, registration_method: 'self_signup' },
  },
  user_updated: { eventType: 'user_updated', userId, userData: { ...person, changed_fields: ['full_name', 'roles'] } },
  user_deleted: {
    eventType: 'user_deleted',
    userId,
    userData: { ...person, is_active: false, deleted_by: 'admin', reason: 'requested by support ticket 42' },
  },
  user_login: {
    eventType: 'user_login',
    userId,
    userData: { ...person, login_method: 'password', outcome: 'failure', failure_reason: 'bad_credentials' },
    metadata: { source: 'auth-service', source_ip: '203.0.113.7', user_agent: 'curl/8.5', request_id: 'req-1' },
  },
  user_logout: { eventType: 'user_logout', userId, userData: { ...person, all_sessions: false, session_id: 's-9' } },
  user_password_changed: { eventType: 'user_password_changed', userId, userData: { ...person, changed_by: 'reset' } },
  user_email_verified: {
    eventType: 'user_email_verified',
    userId,
    userData: { ...person, verified_email: 'ada@example.com' },
  },
}
