import { ServiceError } from '@grimos/service-kit'

// Every error the auth-service answers with, in one place: clients and dashboards match on these codes.
export const authErrorCatalogue = {
  AUTH_EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists' },
  AUTH_EMAIL_RESERVED: { status: 400, message: 'Addresses under the .invalid domain cannot be used' },
  AUTH_PASSWORD_REQUIRED: { status: 400, message: 'Changing the email needs current_password' },
  AUTH_INVALID_CREDENTIALS: { status: 401, message: 'The email or password is incorrect' },
  AUTH_TOKEN_MISSING: { status: 401, message: 'A bearer access token is required' },
  AUTH_TOKEN_INVALID: { status: 401, message: 'The token is malformed, forged or of the wrong kind' },
  AUTH_TOKEN_EXPIRED: { status: 401, message: 'The token has expired' },
  AUTH_TOKEN_REVOKED: { status: 401, message: 'The token was revoked (logout, password change or deletion)' },
  AUTH_PASSWORD_INCORRECT: { status: 403, message: 'The current password is incorrect' },
  AUTH_PASSWORD_UNCHANGED: { status: 422, message: 'The new password must differ from the current one' },
  AUTH_EMAIL_ALREADY_VERIFIED: { status: 409, message: 'The email address is already verified' },
  AUTH_VERIFICATION_TOKEN_INVALID: {
    status: 400,
    message: 'The verification token is unknown, used, expired or for another address',
  },
  AUTH_RATE_LIMITED: { status: 429, message: 'Too many attempts; try again later' },
} as const satisfies Record<string, { status: number; message: string }>

export type AuthErrorCode = keyof typeof authErrorCatalogue

export function authError(
  code: AuthErrorCode,
  message?: string,
  options?: ConstructorParameters<typeof ServiceError>[3],
): ServiceError {
  const entry = authErrorCatalogue[code]
  return new ServiceError(code, entry.status, message ?? entry.message, options)
}
