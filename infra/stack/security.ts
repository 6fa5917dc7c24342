import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackConfig } from './config.ts'
import { localSecret } from './secrets.ts'
import { BROKER_DN, type TlsMaterial, tlsPaths } from './tls.ts'

// The local stack is secure by default: clients reach Kafka over SASL_SSL (SCRAM-SHA-512, TLS 1.3), controllers
// talk over mutual TLS, and an ACL grants each principal the least it needs (acls.ts). GRIMOS_INSECURE=1 brings
// back the plaintext stack of old. docs/security.md draws the whole of it.

export const insecure = process.env.GRIMOS_INSECURE === '1'
export const INSECURE_WARNING =
  '!! WARNING: GRIMOS_INSECURE=1: Kafka listens in PLAINTEXT, without authentication or ACLs: anyone who reaches its port reads and writes every topic, personal data included. Unset it for the secure stack.'

export const SCRAM_MECHANISM = 'SCRAM-SHA-512'
/** Each has its own generated password in .grimos/secrets/kafka-<name>.password. */
export const PRINCIPALS = ['admin', 'broker', 'auth-service', 'event-consumer', 'operator', 'registry'] as const
export type Principal = (typeof PRINCIPALS)[number]
/** admin runs the stack (ACLs, tests); broker is the inter-broker SCRAM user; the controllers present BROKER_DN. */
export const SUPER_USERS = ['User:admin', 'User:broker', `User:${BROKER_DN}`]

export function kafkaPassword(principal: Principal): string {
  return localSecret(`kafka-${principal}.password`)
}

/** What the running (or last started) broker speaks: written when Kafka is launched, read by clients' setup. */
const modeFile = join(stackConfig.stateDir, 'kafka-security')
export type ListenerMode = 'SASL_SSL' | 'PLAINTEXT'

export function recordListenerMode(): void {
  writeFileSync(modeFile, `${insecure ? 'PLAINTEXT' : 'SASL_SSL'}\n`)
}

/** The running stack's mode when known (it may have been started from another shell), else this process's choice. */
export function listenerMode(): ListenerMode {
  if (existsSync(modeFile)) return readFileSync(modeFile, 'utf8').trim() === 'PLAINTEXT' ? 'PLAINTEXT' : 'SASL_SSL'
  return insecure ? 'PLAINTEXT' : 'SASL_SSL'
}

/** The library's env variables (packages/events/src/env.ts) that make a client connect as `principal`. */
export function clientEnv(principal: Principal, mode: ListenerMode = listenerMode()): Record<string, string> {
  if (mode === 'PLAINTEXT') return { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }
  return {
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: SCRAM_MECHANISM,
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: kafkaPassword(principal),
    KAFKA_SSL_CA_LOCATION: tlsPaths().caPem,
  }
}

/**
 * Tests, benchmarks, chaos and fuzz runs act as the stack's admin (they create and delete topics of their own):
 * sets the admin's credentials in this process's env, which child processes inherit. A caller's own
 * KAFKA_SECURITY_PROTOCOL or KAFKA_SASL_USERNAME wins: it chose whom to connect as.
 */
export function useAdminCredentials(): void {
  if (process.env.KAFKA_SECURITY_PROTOCOL || process.env.KAFKA_SASL_USERNAME) return
  Object.assign(process.env, clientEnv('admin'))
}

/** Options of a raw @platformatic/kafka client that connects as the admin (the stack's own health checks, ACLs). */
export function adminClientOptions(mode: ListenerMode = listenerMode()) {
  if (mode === 'PLAINTEXT') return {}
  return {
    sasl: { mechanism: SCRAM_MECHANISM, username: 'admin', password: kafkaPassword('admin') },
    // No SNI: the brokers are dialled by IP (RFC 6066 forbids an IP there); the certificate is still checked
    // against the address dialled.
    tls: { ca: readFileSync(tlsPaths().caPem, 'utf8'), minVersion: 'TLSv1.2' as const },
  } as const
}

/** `--add-scram` arguments of `kafka-storage format`: in KRaft, SCRAM users must exist before the first start. */
export function scramFormatArgs(): string[] {
  return PRINCIPALS.flatMap((name) => [
    '--add-scram',
    `${SCRAM_MECHANISM}=[name=${name},password=${kafkaPassword(name)}]`,
  ])
}

/** The listener and authorizer lines of a node's server.properties (the file is owner-only: it holds passwords). */
export function listenerProperties(broker: string, controller: string, tls: TlsMaterial): string[] {
  if (insecure) {
    return [
      `listeners=PLAINTEXT://${broker},CONTROLLER://${controller}`,
      `advertised.listeners=PLAINTEXT://${broker}`,
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ]
  }
  return [
    // CLIENT: every client and the brokers among themselves (SASL_SSL); CONTROLLER: the KRaft quorum (mutual TLS).
    `listeners=CLIENT://${broker},CONTROLLER://${controller}`,
    `advertised.listeners=CLIENT://${broker}`,
    'inter.broker.listener.name=CLIENT',
    'listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL',
    `sasl.enabled.mechanisms=${SCRAM_MECHANISM}`,
    `sasl.mechanism.inter.broker.protocol=${SCRAM_MECHANISM}`,
    `listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${kafkaPassword('broker')}";`,
    // The controllers know each other (and the brokers) by certificate: BROKER_DN is a super user.
    'listener.name.controller.ssl.client.auth=required',
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${tls.brokerKeystore}`,
    `ssl.keystore.password=${tls.storePassword}`,
    `ssl.key.password=${tls.storePassword}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${tls.caPem}`,
    // Every JDK Kafka 4 runs on (17+) speaks TLS 1.3; nothing older is accepted.
    'ssl.enabled.protocols=TLSv1.3',
    'ssl.protocol=TLSv1.3',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${SUPER_USERS.join(';')}`,
  ]
}
