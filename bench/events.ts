// The event every benchmark sends: a successful `user_login` of one of `distinctUsers` users, so records spread
// over keys (and partitions) the way a busy service's would.

export const benchUserId = (i: number, distinctUsers: number) =>
  `01890000-0000-7000-8000-${String(i % distinctUsers).padStart(12, '0')}`

export const benchEmail = (i: number, distinctUsers: number) => `user${i % distinctUsers}@example.com`

export function loginInput(i: number, distinctUsers: number) {
  const userId = benchUserId(i, distinctUsers)
  return {
    eventType: 'user_login' as const,
    userId,
    userData: {
      id: userId,
      email: benchEmail(i, distinctUsers),
      full_name: 'Bench User',
      is_active: true,
      is_superuser: false,
      roles: ['user'],
      login_method: 'password' as const,
      outcome: 'success' as const,
      failure_reason: null,
    },
    metadata: { source: 'bench', source_ip: '127.0.0.1', user_agent: 'bench/1.0', request_id: `req-${i}` },
  }
}
