// The console API contract: request schemas (validated by Fastify, unknown fields refused) and response shapes
// (types for the front end and the CLI). docs/console.md lists every endpoint.
export * from './cluster.ts'
export * from './common.ts'
export * from './dlq.ts'
export * from './groups.ts'
export * from './live.ts'
export * from './messages.ts'
export * from './operators.ts'
export * from './produce.ts'
export * from './registry.ts'
export * from './session.ts'
export * from './trace.ts'
