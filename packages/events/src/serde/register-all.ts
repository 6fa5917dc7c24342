// Registering ahead of time (a deploy step) instead of at first publish: a refused schema then stops the
// deploy, not the first request that tries to publish.
import { EventSerde, type EventSerdeOptions, type RegisteredSchema } from './event-serde.ts'

export async function registerAllSchemas(options: EventSerdeOptions = {}): Promise<RegisteredSchema[]> {
  const serde = new EventSerde({ ...options, autoRegister: true })
  try {
    return await serde.registerSchemas()
  } finally {
    await serde.close()
  }
}
