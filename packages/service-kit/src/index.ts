// The public entry of @grimos/service-kit: Fastify plumbing shared by the grimOS services.
export type { ServiceApp, ServiceAppOptions } from './app.ts'
export { createServiceApp } from './app.ts'
export {
  ConfigError,
  DEV_ONLY_SECRET_MARKER,
  developmentSecretsIn,
  loadEnvConfig,
  serviceEnvFields,
} from './config.ts'
export { errorBody, installErrorHandling, toViolations } from './error-handler.ts'
export type { ErrorBody, FieldViolation, ServiceErrorOptions } from './errors.ts'
export { ErrorResponseSchema, isServiceError, ServiceError, validationFailed } from './errors.ts'
export type { HealthChecks, HealthResult, HealthRouteOptions } from './health.ts'
export { registerHealthRoutes } from './health.ts'
export type { ListenOptions, ShutdownOptions } from './listen.ts'
export { closeOnSignals, listen } from './listen.ts'
export type { ServiceLoggerOptions } from './logger.ts'
export { createServiceLogger, redactPaths, secretKeys } from './logger.ts'
export { createServiceRegistry, registerMetricsRoute } from './metrics.ts'
export { operatorAuth } from './operator-auth.ts'
export { requestIdFrom, requestIdHeader } from './request-id.ts'
