#!/usr/bin/env bash
# Entry point of each Kafka node (kafka-1..3): writes its server.properties from the environment and the secrets,
# formats the storage with the SCRAM users on the first start (KRaft needs them before the broker runs), then runs
# Kafka. Listeners: INTERNAL (SASL_SSL, services and inter-broker), EXTERNAL (SASL_SSL, the host), CONTROLLER (mTLS).
set -euo pipefail
umask 077
. "$(dirname "$0")/lib.sh"
: "${KAFKA_NODE_ID:?}" "${CLUSTER_ID:?}" "${EXTERNAL_PORT:?}"
config=/tmp/server.properties
store="$(secret tls-store-password)"
cat > "$config" <<PROPS
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
listeners=INTERNAL://:9092,CONTROLLER://:9093,EXTERNAL://:9094
advertised.listeners=INTERNAL://kafka-$KAFKA_NODE_ID:9092,EXTERNAL://localhost:$EXTERNAL_PORT
listener.security.protocol.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SSL
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(secret kafka-broker)";
listener.name.controller.ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=/tls/kafka-$KAFKA_NODE_ID.p12
ssl.keystore.password=$store
ssl.key.password=$store
ssl.truststore.type=PEM
ssl.truststore.location=/tls/ca.pem
ssl.enabled.protocols=TLSv1.3
ssl.protocol=TLSv1.3
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:broker;User:CN=kafka-1;User:CN=kafka-2;User:CN=kafka-3
log.dirs=/var/lib/kafka/data
auto.create.topics.enable=false
num.partitions=6
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=3000
PROPS
write_admin_properties
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  scram=()
  for user in admin broker auth-service event-consumer operator registry; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(secret "kafka-$user")]")
  done
  /opt/kafka/bin/kafka-storage.sh format --cluster-id="$CLUSTER_ID" -c "$config" "${scram[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
