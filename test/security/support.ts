// What the hostile-client tests share: who is who on the secure stack, and how to build a client as each of them.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { kafkaPassword, listenerMode, type Principal, SCRAM_MECHANISM } from '../../infra/stack/security.ts'
import { tlsPaths } from '../../infra/stack/tls.ts'
import type { GrimError } from '../../packages/events/src/errors.ts'
import type { ConnectionOptions } from '../../packages/events/src/kafka/connection.ts'
import { kafkaError } from '../../packages/events/src/kafka/errors.ts'
import { kafkaBrokers } from '../support/index.ts'

/** These tests need the secure listener; on the plaintext stack (GRIMOS_INSECURE=1) they are skipped, saying why. */
export const skipUnlessSecure =
  listenerMode() === 'PLAINTEXT' ? 'the stack runs with GRIMOS_INSECURE=1 (plaintext): nothing to refuse' : false

export const caPem = () => readFileSync(tlsPaths().caPem, 'utf8')

/** Library connection options as `principal`, with `password` (its own unless given). */
export function as(principal: Principal | string, password?: string): ConnectionOptions {
  return {
    clientId: `test-hostile-${principal}`,
    bootstrapBrokers: kafkaBrokers,
    requestTimeoutMs: 5_000,
    sasl: {
      mechanism: SCRAM_MECHANISM,
      username: principal,
      password: password ?? kafkaPassword(principal as Principal),
    },
    tls: { ca: caPem() },
  }
}

/** Bounded: a refusal must come back, not hang until the test runner's timeout. */
export async function refusedWithin<T>(
  limitMs: number,
  attempt: () => Promise<T>,
): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs)
  })
  try {
    await Promise.race([attempt(), deadline])
  } catch (error) {
    const ms = performance.now() - started
    assert.ok(!(error instanceof Error && error.message === `no answer within ${limitMs} ms`), `hung for ${limitMs} ms`)
    return { error, ms }
  } finally {
    clearTimeout(timer)
  }
  assert.fail('the broker accepted what it must refuse')
}

/** A refused anonymous or plaintext client: the library would report it as a connection or authentication failure. */
export function assertConnectionRefusal(error: unknown): void {
  assert.ok(error instanceof Error, `expected an error, got ${String(error)}`)
  const code = kafkaError('connecting', error).code
  assert.ok(['GRIM_KAFKA_UNAVAILABLE', 'GRIM_KAFKA_AUTH_FAILED'].includes(code), `unexpected ${code}: ${error.message}`)
}

export function assertGrim(error: unknown, code: string): GrimError {
  const grim = error as GrimError
  assert.equal(grim.code, code, `expected ${code}, got ${grim.code}: ${(error as Error).message}`)
  return grim
}
