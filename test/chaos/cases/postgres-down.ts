// PostgreSQL unreachable under both services: auth-service (its tables and the outbox relay) and event-consumer
// (dedupe store and read model) run as child processes whose DATABASE_URL is a loopback TCP proxy in front of
// the shared server, which is never stopped; the proxy is cut. Users register and log in over HTTP throughout.
// Must hold: requests during the cut fail clearly (503 with a GRIM_* code within a bound, never 500 or a hang),
// nothing acknowledged is lost, no good event is dead-lettered, /health/ready says why, and both resume alone.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { openDatabase } from '../../../packages/events/src/db/index.ts'
import { createCaseTopic, dlqDepth, dropSchemas, freePort, uniqueSchema, waitUntil } from '../../support/chaos.ts'
import { databaseUrl } from '../../support/index.ts'
import { call, type Service, startService, stopService } from '../../support/services.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const cutMs: Record<CaseSize, number> = { short: 10_000, full: 60_000 }
const marginMs = 4_000
/** A request still unanswered after this long counts as a hang. */
const boundMs = 10_000
const password = 'correct horse battery staple'

export const postgresDown: ChaosCase = {
  id: 'postgres-down',
  fault: 'PostgreSQL down 60 s (outbox relay, dedupe store, read model)',
  mustHold: 'requests fail clearly (503); nothing acknowledged is lost; 0 good events in the DLQ',
  method: `auth-service and event-consumer run as child processes from their \`main.ts\` (schemas of their own, a unique 3-partition topic) with DATABASE_URL pointing at a loopback TCP proxy in front of 127.0.0.1:5432; cutting the proxy closes every open connection and refuses new ones (the shared server keeps running). Two clients register users and log each in once, from ${marginMs / 1000} s before the cut to ${marginMs / 1000} s after it; each request has a ${boundMs / 1000} s bound. During the cut both /health/ready are sampled every second. Afterwards the case waits for every acknowledged registration in \`user_directory\` and every acknowledged login in \`security_audit_log\`, read straight from the server. Lost: acknowledged requests with no effect; doubled: directory rows per email or audit rows per request id above one.`,
  events: { short: 0, full: 0 },
  timeoutMs: { short: 180_000, full: 400_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const started = performance.now()
  const { topic, remove } = await createCaseTopic('chaos-postgres-down', 3)
  const proxy = await startTcpProxy(databaseUrl, { closeAfterTests: false })
  const authSchema = uniqueSchema('auth')
  const consumerSchema = uniqueSchema('consumer')
  const logDir = mkdtempSync(join(tmpdir(), 'grimos-chaos-pg-'))
  const [authPort, consumerPort] = [await freePort(), await freePort()]
  const common = {
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: proxy.url,
    USER_EVENTS_TOPIC: topic,
  }
  const running: Service[] = []
  const notes: string[] = []
  try {
    running.push(
      await startService(
        'auth-service',
        {
          ...common,
          PORT: String(authPort),
          AUTH_DB_SCHEMA: authSchema,
          JWT_SECRET: randomBytes(48).toString('base64url'),
          LOGIN_RATE_LIMIT_MAX: '1000000',
        },
        logDir,
      ),
    )
    running.push(
      await startService(
        'event-consumer',
        {
          ...common,
          PORT: String(consumerPort),
          DATABASE_SCHEMA: consumerSchema,
          CONSUMER_GROUP_ID: `${topic}.group`,
          OPERATOR_TOKEN: randomBytes(24).toString('base64url'),
        },
        logDir,
      ),
    )
    const authUrl = `http://127.0.0.1:${authPort}/api/v1`
    const registered: { id: string; email: string }[] = []
    const logins: string[] = []
    const duringCut = new Map<string, number>()
    let slowest = 0
    let phase: 'before' | 'cut' | 'after' = 'before'
    let stop = false
    const note = (label: string, answer: { status: number; body: unknown; ms: number }) => {
      if (phase !== 'cut') return
      const code = (answer.body as { error?: { code?: string } })?.error?.code ?? ''
      const key = `${label} ${answer.status === 0 ? 'no answer' : answer.status}${code ? ` ${code}` : ''}`
      duringCut.set(key, (duringCut.get(key) ?? 0) + 1)
      slowest = Math.max(slowest, answer.ms)
    }
    const otherFailures: string[] = []
    const clients = Array.from({ length: 2 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const email = `pg.${w}.${i}.${randomBytes(4).toString('hex')}@example.com`
        const reg = await call('POST', `${authUrl}/auth/register`, {
          body: { email, password, full_name: `Pg ${i}` },
          timeoutMs: boundMs,
        })
        note('register', reg)
        if (reg.status === 201) registered.push({ id: (reg.body as { id: string }).id, email })
        else if (phase !== 'cut') otherFailures.push(`register ${reg.status}`)
        if (reg.status !== 201) {
          await sleep(100)
          continue
        }
        const requestId = `chaos-pg-${w}-${i}-${randomBytes(3).toString('hex')}`
        const login = await call('POST', `${authUrl}/auth/login`, {
          body: { email, password },
          requestId,
          timeoutMs: boundMs,
        })
        note('login', login)
        if (login.status === 200) logins.push(requestId)
        else if (phase !== 'cut') otherFailures.push(`login ${login.status}`)
        await sleep(50)
      }
    })
    await sleep(marginMs)
    await proxy.cut()
    phase = 'cut'
    const cutAt = performance.now()
    const acknowledgedAtCut = registered.length + logins.length
    log(`PostgreSQL cut after ${acknowledgedAtCut} acknowledged requests`)
    const ready = new Map<string, number>()
    let samples = 0
    while (performance.now() - cutAt < cutMs[size] - 1_000) {
      await sleep(1_000)
      samples++
      for (const service of running) {
        const answer = await call('GET', `${service.url}/health/ready`, { timeoutMs: 5_000 })
        const key = `${service.name} ${answer.status === 0 ? 'no answer' : answer.status} ${JSON.stringify(answer.body)}`
        ready.set(key, (ready.get(key) ?? 0) + 1)
      }
    }
    await sleep(Math.max(0, cutMs[size] - (performance.now() - cutAt)))
    await proxy.restore()
    phase = 'after'
    const restoredAt = performance.now()
    log('PostgreSQL reachable again')
    const backUp = await waitUntil(
      async () => {
        const answers = await Promise.all(
          running.map((s) => call('GET', `${s.url}/health/ready`, { timeoutMs: 2_000 })),
        )
        return answers.every((a) => a.status === 200)
      },
      60_000,
      250,
    )
    const readyMs = performance.now() - restoredAt
    await sleep(marginMs)
    stop = true
    await Promise.all(clients)

    const db = await openDatabase({ url: databaseUrl })
    try {
      const c = consumerSchema
      const ids = registered.map((r) => r.id)
      await waitUntil(
        async () => {
          const [row] = await db.query<{ users: string; audit: string }>(
            `select (select count(*) from "${c}".user_directory where id = any($1::text[])) as users,
                    (select count(*) from "${c}".security_audit_log where request_id = any($2::text[])) as audit`,
            [ids, logins],
          )
          return Number(row?.users) >= ids.length && Number(row?.audit) >= logins.length
        },
        60_000,
        500,
      )
      await sleep(1_000)
      const [row] = await db.query<Record<string, string>>(
        `select
          (select count(*) from unnest($1::text[]) id where not exists (select 1 from "${c}".user_directory u where u.id = id)) as lost_users,
          (select count(*) from unnest($2::text[]) r where not exists (select 1 from "${c}".security_audit_log a where a.request_id = r)) as lost_logins,
          (select count(*) from (select email from "${c}".user_directory where email = any($3::text[]) group by email having count(*) > 1) d) as doubled_users,
          (select count(*) from (select request_id from "${c}".security_audit_log where request_id = any($2::text[]) group by request_id having count(*) > 1) d) as doubled_logins,
          (select count(*) from "${authSchema}".grimos_outbox where status <> 'sent') as unsent`,
        [ids, logins, registered.map((r) => r.email)],
      )
      const n = (key: string) => Number(row?.[key] ?? Number.NaN)
      const list = (map: Map<string, number>) => [...map].map(([k, v]) => `${k} ×${v}`).join('; ')
      const cutAnswers = [...duringCut.values()].reduce((a, b) => a + b, 0)
      const clear = [...duringCut].filter(([k]) => / 503 GRIM_/.test(k)).reduce((a, [, v]) => a + v, 0)
      const hangs = [...duringCut].filter(([k]) => k.includes('no answer')).reduce((a, [, v]) => a + v, 0)
      const serverErrors = [...duringCut].filter(([k]) => / 500/.test(k)).reduce((a, [, v]) => a + v, 0)
      notes.push(`HTTP answers during the cut: ${list(duringCut) || 'none'}; slowest ${(slowest / 1000).toFixed(1)} s`)
      notes.push(`/health/ready during the cut (${samples} samples each): ${list(ready)}`)
      for (const service of running) {
        const { exitCode, signalCode } = service.proc
        if (exitCode === null && signalCode === null) continue
        // A service that died under the fault: its last log lines are the finding.
        const tail = readFileSync(service.logPath, 'utf8').split('\n').filter(Boolean).slice(-4).join(' | ')
        notes.push(
          `${service.name} EXITED (${exitCode ?? signalCode}) during the case; last log lines: ${tail.slice(0, 1_500)}`,
        )
      }
      notes.push(
        backUp
          ? `both services ready again ${(readyMs / 1000).toFixed(1)} s after PostgreSQL was back`
          : 'not both ready 60 s after PostgreSQL was back',
      )
      notes.push(
        `${registered.length} registrations and ${logins.length} logins acknowledged (${acknowledgedAtCut} before the cut); outbox rows not sent at the end: ${n('unsent')}${otherFailures.length ? `; failures outside the cut: ${[...new Set(otherFailures)].join(', ')}` : ''}`,
      )
      const exited = running.filter((s) => s.proc.exitCode !== null || s.proc.signalCode !== null).length
      const broken = [
        ...(exited > 0 ? [`${exited} service(s) exited`] : []),
        ...(serverErrors > 0 ? [`${serverErrors} answers were 5xx other than 503`] : []),
        ...(hangs > 0 ? [`${hangs} requests hung past the bound`] : []),
        ...(clear !== cutAnswers
          ? [`${cutAnswers - clear} of ${cutAnswers} answers during the cut were not a 503 with a GRIM_* code`]
          : []),
        ...(backUp ? [] : ['the services were not ready again after the cut']),
      ]
      return {
        broken,
        injected: `PostgreSQL unreachable for ${(cutMs[size] / 1000).toFixed(0)} s through a cut proxy under auth-service and event-consumer while users register and log in`,
        events: registered.length + logins.length,
        lost: n('lost_users') + n('lost_logins'),
        doubledEffects: n('doubled_users') + n('doubled_logins'),
        redelivered: 0,
        inDlq: await dlqDepth(topic),
        outOfOrder: 0,
        wallMs: performance.now() - started,
        notes,
        measures: {
          exited,
          cutAnswers,
          clear,
          hangs,
          serverErrors,
          readyAgain: backUp ? 1 : 0,
          readyMs,
          unsent: n('unsent'),
        },
      }
    } finally {
      await db.close()
    }
  } finally {
    await proxy.restore()
    for (const service of running) await stopService(service)
    await proxy.close()
    await dropSchemas([authSchema, consumerSchema])
    await remove()
    rmSync(logDir, { recursive: true, force: true })
  }
}
