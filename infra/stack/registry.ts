import { join } from 'node:path'
import type { Component } from './component.ts'
import { kafkaBootstrap, registryUrl, stackConfig } from './config.ts'
import { ensureRegistryApp } from './downloads.ts'
import { findJava } from './java.ts'
import { kafkaNodeNames } from './kafka.ts'

const { registry, host } = stackConfig

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
    return {
      command: jdk.java,
      args: [`-Xmx${registry.heapMb}m`, '-XX:+UseG1GC', '-jar', join(app, 'quarkus-run.jar')],
      env: {
        APICURIO_STORAGE_KIND: 'kafkasql',
        APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: kafkaBootstrap,
        APICURIO_KAFKASQL_TOPIC: 'grimos.registry-journal',
        APICURIO_KAFKASQL_SNAPSHOTS_TOPIC: 'grimos.registry-snapshots',
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
