import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { pruneEndedSessions } from '../../src/auth/sessions.ts'
import { startTestApp } from '../support.ts'

const shared = startTestApp({ after })

test('sessions are deleted once they ended longer ago than the retention, and never before', async () => {
  const { register, db } = await shared
  const [expiredLongAgo, revokedLongAgo, expiredRecently, live] = [
    await register(),
    await register(),
    await register(),
    await register(),
  ]
  const set = (userId: string, assignment: string) =>
    db.query(`update auth_sessions set ${assignment} where user_id = $1::uuid`, [userId])
  await set(expiredLongAgo.id, `expires_at = now() - interval '31 days'`)
  await set(revokedLongAgo.id, `revoked_at = now() - interval '31 days', revoke_reason = 'logout'`)
  await set(expiredRecently.id, `expires_at = now() - interval '1 day'`)

  await pruneEndedSessions(db, 30)
  const left = await db.query<{ user_id: string }>(
    'select user_id::text as user_id from auth_sessions where user_id = any($1::uuid[]) order by user_id',
    [[expiredLongAgo.id, revokedLongAgo.id, expiredRecently.id, live.id]],
  )
  assert.deepEqual(
    left.map((row) => row.user_id),
    [expiredRecently.id, live.id].sort(),
  )
})
