// Errors the stack manager shows to a person: one line, saying what to do. No stack trace.
export class StackError extends Error {
  override readonly name = 'StackError'
}

export function isStackError(error: unknown): error is StackError {
  return error instanceof StackError
}
