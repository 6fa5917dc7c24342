// Starts the console backend in process for the browser test. Filled in once the backend's server module lands.
import type { Account } from './console-server.ts'

export interface BackendUnderTest {
  url: string
  operator: Account
  viewer: Account
  close(): Promise<void>
}

export async function startConsoleBackend(_options: {
  userEventsTopic: string
  consumerGroup: string
}): Promise<BackendUnderTest> {
  throw new Error('the console backend is not merged yet')
}
