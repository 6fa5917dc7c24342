import { join } from 'node:path'
import { REGISTRY_GROUP_PREFIX, REGISTRY_TOPIC_PREFIX } from './acls.ts'
import type { Component } from './component.ts'
import { kafkaBootstrap, registryUrl, stackConfig } from './config.ts'
import { ensureRegistryApp } from './downloads.ts'
import { findJava } from './java.ts'
import { kafkaNodeNames } from './kafka.ts'
import { writeSecretFile } from './secrets.ts'
import { kafkaPassword, listenerMode, SCRAM_MECHANISM } from './security.ts'
import { tlsPaths } from './tls.ts'

const { registry, host } = stackConfig

/**
 * The kafkasql storage's Kafka client settings, as the `registry` principal. `apicurio.kafka.common.*` reaches its
 * producer, consumer and admin alike. They go in an owner-only file that Quarkus reads (QUARKUS_CONFIG_LOCATIONS)
 * rather than the command line or the environment, so the password stays out of `ps` and of the registry's log.
 * Apicurio's own `apicurio.kafkasql.security.sasl.*` settings only know OAUTHBEARER, hence the JAAS line here.
 */
function kafkaClientConfig(): string {
  // Its groups share a prefix (a fresh group each start), so its ACL (acls.ts) can name them.
  const lines = [`apicurio.kafkasql.consumer.group-prefix=${REGISTRY_GROUP_PREFIX}`]
  if (listenerMode() === 'SASL_SSL')
    lines.push(
      'apicurio.kafka.common.security.protocol=SASL_SSL',
      `apicurio.kafka.common.sasl.mechanism=${SCRAM_MECHANISM}`,
      `apicurio.kafka.common.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="registry" password="${kafkaPassword('registry')}";`,
      'apicurio.kafka.common.ssl.truststore.type=PEM',
      `apicurio.kafka.common.ssl.truststore.location=${tlsPaths().caPem}`,
      // Apicurio turns host name verification off by default; the broker's certificate names 127.0.0.1.
      'apicurio.kafka.common.ssl.endpoint.identification.algorithm=https',
      'apicurio.kafka.common.ssl.enabled.protocols=TLSv1.3',
    )
  return writeSecretFile('registry-kafka.properties', `${lines.join('\n')}\n`)
}

// Apicurio Registry, storing schemas in Kafka (kafkasql) so they survive restarts. Clients use only its
// Confluent-compatible API, so production can point SCHEMA_REGISTRY_URL at Confluent Schema Registry instead.
export const registryComponent: Component = {
  name: 'registry',
  describe: () => `Apicurio Registry ${registry.version} (Confluent API)  ${registryUrl}`,
  ports: { GRIMOS_REGISTRY_PORT: registry.port, GRIMOS_REGISTRY_MANAGEMENT_PORT: registry.managementPort },
  dependsOn: kafkaNodeNames,
  downloads: 'Apicurio Registry from Maven Central',
  async launch() {
    const jdk = await findJava(registry.minJava, `Apicurio Registry ${registry.version}`, 'GRIMOS_REGISTRY_JAVA_HOME')
    const app = await ensureRegistryApp()
    const clientConfig = kafkaClientConfig()
    return {
      command: jdk.java,
      args: [`-Xmx${registry.heapMb}m`, '-XX:+UseG1GC', '-jar', join(app, 'quarkus-run.jar')],
      env: {
        APICURIO_STORAGE_KIND: 'kafkasql',
        APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: kafkaBootstrap,
        // Its topics share a prefix, so the registry's ACLs (acls.ts) name exactly these.
        APICURIO_KAFKASQL_TOPIC: `${REGISTRY_TOPIC_PREFIX}journal`,
        APICURIO_KAFKASQL_SNAPSHOTS_TOPIC: `${REGISTRY_TOPIC_PREFIX}snapshots`,
        APICURIO_EVENTS_KAFKA_TOPIC: `${REGISTRY_TOPIC_PREFIX}events`,
        QUARKUS_CONFIG_LOCATIONS: clientConfig,
        QUARKUS_HTTP_HOST: host,
        QUARKUS_HTTP_PORT: String(registry.port),
        QUARKUS_MANAGEMENT_HOST: host,
        QUARKUS_MANAGEMENT_PORT: String(registry.managementPort),
      },
    }
  },
  async isHealthy() {
    const response = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(3000) })
    return response.ok
  },
}
