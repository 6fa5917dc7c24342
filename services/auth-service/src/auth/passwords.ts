import argon2 from 'argon2'

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export async function hashPassword(password: string): Promise<string> {
  return await argon2.hash(password, hashOptions)
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (hash === '') return false
  return await argon2.verify(hash, password)
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the time of a real verification when there is no user to check against, so response time does not
 * tell an attacker which emails are registered.
 */
export async function verifyAgainstNobody(password: string): Promise<false> {
  dummyHash ??= argon2.hash('no-user-has-this-password', hashOptions)
  await argon2.verify(await dummyHash, password)
  return false
}
