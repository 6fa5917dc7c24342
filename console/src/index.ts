// The public entry of @grimos/console: the server builder, the ops layer and the API contract's types.
export { buildConsoleServer, type ConsoleServer, type ConsoleServerOptions } from './app.ts'
export { type ConsoleErrorCode, consoleError, consoleErrors } from './errors.ts'
export type * from './http/schemas/index.ts'
export { type ConsoleOps, openConsoleOps } from './ops/index.ts'
export { type ConsoleConfig, loadConsoleConfig } from './options.ts'
