import { ServiceError } from '@grimos/service-kit'

// The console's own error codes (the library's GRIM_* codes pass through as they are). One catalogue, so the
// HTTP answers, the CLI's one-line errors and docs/console.md agree.
export const consoleErrors = {
  CONSOLE_UNAUTHENTICATED: 401,
  CONSOLE_FORBIDDEN: 403,
  CONSOLE_CSRF: 403,
  CONSOLE_LOGIN_LIMITED: 429,
  CONSOLE_NOT_FOUND: 404,
  CONSOLE_GROUP_ACTIVE: 409,
  CONSOLE_CONFLICT: 409,
  CONSOLE_INPUT_INVALID: 400,
  CONSOLE_BUSY: 503,
} as const

export type ConsoleErrorCode = keyof typeof consoleErrors

export function consoleError(
  code: ConsoleErrorCode,
  message: string,
  options: { headers?: Record<string, string>; cause?: unknown } = {},
): ServiceError {
  return new ServiceError(code, consoleErrors[code], message, options)
}
