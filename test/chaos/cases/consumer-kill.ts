// event-consumer SIGKILL while users register and log in over HTTP. auth-service and event-consumer run as their
// own processes (their main.ts, as `npm start` runs them) on PostgreSQL schemas of their own and a unique topic.
// A third of the way through the requests the event-consumer gets SIGKILL (no shutdown, no final commit) and is
// started again 2 s later; requests never stop. At the end every acknowledged registration must be in the directory
// once and every acknowledged login in the audit log once, applied in outbox order per user.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { openDatabase } from '../../../packages/events/src/db/index.ts'
import {
  createCaseTopic,
  dlqDepth,
  dropSchemas,
  freePort,
  topicDepth,
  uniqueSchema,
  waitUntil,
} from '../../support/chaos.ts'
import { databaseUrl } from '../../support/index.ts'
import { post, type Service, startService, stopService } from '../../support/services.ts'
import type { CaseResult, CaseSize, ChaosCase } from './types.ts'

const loginsPerUser = 3
const workers = 4
const password = 'correct horse battery staple'

export const consumerKill: ChaosCase = {
  id: 'consumer-kill',
  fault: 'event-consumer SIGKILL while users register and log in over HTTP',
  mustHold: 'every registration in the directory once; every login in the audit log once',
  method:
    'auth-service and event-consumer run as child processes from their `main.ts` (PostgreSQL schemas of their own on 127.0.0.1:5432, a unique 3-partition topic and group). Four clients register users and log each in 3 times over HTTP (login requests carry their own `x-request-id`). After a third of the requests the event-consumer process gets SIGKILL and is started again 2 s later; requests go on throughout. Counts come from the databases: acknowledged registrations missing from `user_directory` or present twice (by email, and by `user_registered` changes per user), acknowledged logins missing from `security_audit_log` or present twice (by request id), and per user events applied (`grimos_processed_events.processed_at`) out of outbox order.',
  events: { short: 20, full: 150 },
  timeoutMs: { short: 240_000, full: 600_000 },
  run: (size, log) => run(size, log),
}

async function run(size: CaseSize, log: (line: string) => void): Promise<CaseResult> {
  const users = consumerKill.events[size]
  const started = performance.now()
  const { topic, remove } = await createCaseTopic('chaos-consumer-kill', 3)
  const authSchema = uniqueSchema('auth')
  const consumerSchema = uniqueSchema('consumer')
  const logDir = mkdtempSync(join(tmpdir(), 'grimos-chaos-services-'))
  const [authPort, consumerPort] = [await freePort(), await freePort()]
  const common = {
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    USER_EVENTS_TOPIC: topic,
  }
  const authEnv = {
    ...common,
    PORT: String(authPort),
    AUTH_DB_SCHEMA: authSchema,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    // The case counts events, not the login rate limit: every attempt from 127.0.0.1 must go through.
    LOGIN_RATE_LIMIT_MAX: '1000000',
  }
  const consumerEnv = {
    ...common,
    PORT: String(consumerPort),
    DATABASE_SCHEMA: consumerSchema,
    CONSUMER_GROUP_ID: `${topic}.group`,
    OPERATOR_TOKEN: randomBytes(24).toString('base64url'),
  }
  const running: Service[] = []
  const notes: string[] = []
  let injected = ''
  try {
    running.push(await startService('auth-service', authEnv, logDir))
    let consumer = await startService('event-consumer', consumerEnv, logDir)
    running.push(consumer)
    const authUrl = `http://127.0.0.1:${authPort}/api/v1`
    const registered: { id: string; email: string }[] = []
    const logins: string[] = []
    const failures: string[] = []
    const totalRequests = users * (1 + loginsPerUser)
    let done = 0
    let fault: Promise<void> | undefined
    const afterRequest = () => {
      done++
      if (fault || done < totalRequests / 3) return
      fault = (async () => {
        const killedAt = performance.now()
        consumer.proc.kill('SIGKILL')
        await new Promise((resolve) => consumer.proc.once('exit', resolve))
        running.splice(running.indexOf(consumer), 1)
        injected = `SIGKILL of the event-consumer process after ${done} of ${totalRequests} requests, started again 2 s later`
        log(`event-consumer SIGKILLed after ${done} requests`)
        await sleep(2_000)
        consumer = await startService('event-consumer', consumerEnv, logDir)
        running.push(consumer)
        notes.push(
          `event-consumer ready again ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the SIGKILL`,
        )
      })()
    }
    let next = 0
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = next++; i < users; i = next++) {
          const email = `chaos.${i}.${randomBytes(4).toString('hex')}@example.com`
          const reg = await post(`${authUrl}/auth/register`, { email, password, full_name: `Chaos ${i}` })
          afterRequest()
          if (reg.status !== 201) {
            failures.push(`register ${reg.status}`)
            continue
          }
          registered.push({ id: (reg.body as { id: string }).id, email })
          for (let j = 0; j < loginsPerUser; j++) {
            const requestId = `chaos-login-${i}-${j}-${randomBytes(3).toString('hex')}`
            const login = await post(`${authUrl}/auth/login`, { email, password }, requestId)
            afterRequest()
            if (login.status === 200) logins.push(requestId)
            else failures.push(`login ${login.status}`)
          }
        }
      }),
    )
    await fault
    if (failures.length) notes.push(`requests refused: ${failures.length} (${[...new Set(failures)].join(', ')})`)

    const db = await openDatabase({ url: databaseUrl })
    try {
      const c = consumerSchema
      const counts = async () => {
        const [row] = await db.query<{ users: string; audit: string }>(
          `select (select count(*) from "${c}".user_directory where id = any($1::text[])) as users,
                  (select count(*) from "${c}".security_audit_log where request_id = any($2::text[])) as audit`,
          [registered.map((r) => r.id), logins],
        )
        return { users: Number(row?.users), audit: Number(row?.audit) }
      }
      await waitUntil(
        async () => {
          const now = await counts()
          return now.users >= registered.length && now.audit >= logins.length
        },
        size === 'full' ? 120_000 : 60_000,
        500,
      )
      await sleep(2_000)
      const [row] = await db.query<Record<string, string>>(
        `select
          (select count(*) from unnest($1::text[]) id where not exists (select 1 from "${c}".user_directory u where u.id = id)) as lost_users,
          (select count(*) from unnest($2::text[]) r where not exists (select 1 from "${c}".security_audit_log a where a.request_id = r)) as lost_logins,
          (select count(*) from (select email from "${c}".user_directory where email = any($3::text[]) group by email having count(*) > 1) d) as doubled_users,
          (select count(*) from (select user_id from "${c}".user_directory_changes where event_type = 'user_registered' and user_id = any($1::text[]) group by user_id having count(*) > 1) d) as doubled_registrations,
          (select count(*) from (select request_id from "${c}".security_audit_log where request_id = any($2::text[]) group by request_id having count(*) > 1) d) as doubled_logins,
          (select count(*) from "${authSchema}".grimos_outbox) as outbox_rows,
          (select count(*) from (
            select o.id < max(o.id) over (partition by o.message_key order by p.processed_at, o.id
                                          rows between unbounded preceding and 1 preceding) as late
            from "${authSchema}".grimos_outbox o join "${c}".grimos_processed_events p on p.event_id = o.event_id::text) x
           where late) as out_of_order`,
        [registered.map((r) => r.id), logins, registered.map((r) => r.email)],
      )
      const n = (key: string) => Number(row?.[key] ?? Number.NaN)
      const records = await topicDepth(topic)
      notes.push(
        `${registered.length} registrations and ${logins.length} logins acknowledged; outbox ${n('outbox_rows')} events, topic ${records} records; doubled: ${n('doubled_users')} directory rows by email, ${n('doubled_registrations')} registrations applied twice, ${n('doubled_logins')} audit rows by request id`,
      )
      return {
        injected,
        events: registered.length + logins.length,
        lost: n('lost_users') + n('lost_logins'),
        doubledEffects: n('doubled_users') + n('doubled_registrations') + n('doubled_logins'),
        redelivered: Math.max(records - n('outbox_rows'), 0),
        inDlq: await dlqDepth(topic),
        outOfOrder: n('out_of_order'),
        wallMs: performance.now() - started,
        notes,
      }
    } finally {
      await db.close()
    }
  } finally {
    for (const service of running) await stopService(service)
    await dropSchemas([authSchema, consumerSchema])
    await remove()
    rmSync(logDir, { recursive: true, force: true })
  }
}
