import { execFile } from 'node:child_process'
import { chmodSync, existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { StackError } from './errors.ts'
import { ensureSecretsDir, localSecret, secretPath } from './secrets.ts'

// A local CA and the brokers' certificate, made once with the JDK's keytool (Node has no X.509 issuing API, and
// openssl is not everywhere; a JDK is, since Kafka needs one). The CA's key stays in ca.p12 to sign a new broker
// certificate later; clients only get ca.pem.

const run = promisify(execFile)

/** The certificate every broker and controller presents; controllers also use it as their client certificate. */
export const BROKER_DN = 'CN=grimos-broker'

export interface TlsMaterial {
  /** PEM of the local CA: clients' KAFKA_SSL_CA_LOCATION, the brokers' truststore. */
  caPem: string
  /** PKCS#12 keystore with the broker's key, its certificate and the CA. */
  brokerKeystore: string
  /** The password of both keystores (file tls-store-password). */
  storePassword: string
}

export function tlsPaths(): Omit<TlsMaterial, 'storePassword'> {
  return { caPem: secretPath('ca.pem'), brokerKeystore: secretPath('broker.p12') }
}

/** Creates the CA and the broker certificate if missing; returns where they are. */
export async function ensureTls(java: string): Promise<TlsMaterial> {
  ensureSecretsDir()
  const storePassword = localSecret('tls-store-password')
  const { caPem, brokerKeystore } = tlsPaths()
  if (existsSync(caPem) && existsSync(brokerKeystore)) return { caPem, brokerKeystore, storePassword }
  const keytool = join(dirname(java), 'keytool')
  const caStore = secretPath('ca.p12')
  const csr = secretPath('broker.csr')
  const crt = secretPath('broker.crt')
  // A half-made set (interrupted first start) is made again from scratch.
  for (const file of [caStore, caPem, brokerKeystore, csr, crt]) rmSync(file, { force: true })
  // The password reaches keytool through its environment, never its command line (which `ps` shows).
  const env = { ...process.env, GRIMOS_STORE_PASSWORD: storePassword }
  const tool = async (step: string, args: string[]) => {
    try {
      await run(keytool, [...args, '-storepass:env', 'GRIMOS_STORE_PASSWORD'], { env })
    } catch (error) {
      const failure = error as { stderr?: string; stdout?: string; code?: unknown }
      const detail = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim().split('\n').at(-1) || String(error)
      throw new StackError(`creating the local TLS certificates failed at "${step}" (${keytool}): ${detail}`)
    }
  }
  const ec = ['-keyalg', 'EC', '-groupname', 'secp256r1', '-storetype', 'PKCS12']
  await tool('CA key', [
    '-genkeypair',
    ...ec,
    '-alias',
    'ca',
    '-dname',
    'CN=grimOS local CA',
    '-ext',
    'bc:c=ca:true',
    '-ext',
    'KU:c=keyCertSign,cRLSign',
    '-validity',
    '3650',
    '-keystore',
    caStore,
  ])
  await tool('CA export', ['-exportcert', '-rfc', '-alias', 'ca', '-keystore', caStore, '-file', caPem])
  await tool('broker key', [
    '-genkeypair',
    ...ec,
    '-alias',
    'broker',
    '-dname',
    BROKER_DN,
    '-validity',
    '825',
    '-keystore',
    brokerKeystore,
  ])
  await tool('broker request', ['-certreq', '-alias', 'broker', '-keystore', brokerKeystore, '-file', csr])
  // 127.0.0.1 and localhost: clients verify the name they dialled. clientAuth: controllers present it to each other.
  await tool('broker certificate', [
    '-gencert',
    '-rfc',
    '-alias',
    'ca',
    '-keystore',
    caStore,
    '-infile',
    csr,
    '-outfile',
    crt,
    '-validity',
    '825',
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
    '-ext',
    'KU:c=digitalSignature',
    '-ext',
    'EKU=serverAuth,clientAuth',
  ])
  await tool('CA import', ['-importcert', '-noprompt', '-alias', 'ca', '-file', caPem, '-keystore', brokerKeystore])
  await tool('broker import', ['-importcert', '-alias', 'broker', '-file', crt, '-keystore', brokerKeystore])
  for (const file of [csr, crt]) rmSync(file, { force: true })
  // keytool creates files with the umask's mode; the CA's key and the broker's are the owner's alone.
  for (const file of [caStore, caPem, brokerKeystore]) chmodSync(file, 0o600)
  return { caPem, brokerKeystore, storePassword }
}
