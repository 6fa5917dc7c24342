import { type Logger, pino } from 'pino'
import { eventsEnv } from './env.ts'

/** The logger a component creates when none is passed: named, at LOG_LEVEL (env.ts), info by default. */
export function libraryLogger(name: string): Logger {
  return pino({ name, level: eventsEnv().logLevel ?? 'info' })
}
