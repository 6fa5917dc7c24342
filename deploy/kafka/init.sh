#!/usr/bin/env bash
# One-shot (service kafka-init), as the admin: the user-events topic with its production layout, then the ACLs.
# The ACL table is the local stack's (infra/stack/acls.ts, explained in docs/security.md): keep the two in step.
set -euo pipefail
umask 077
. "$(dirname "$0")/lib.sh"
write_admin_properties
bs=kafka-1:9092,kafka-2:9092,kafka-3:9092
bin=/opt/kafka/bin
t=grimos.user-events
$bin/kafka-topics.sh --bootstrap-server $bs --command-config /tmp/admin.properties --create --if-not-exists \
  --topic $t --partitions "${GRIMOS_TOPIC_PARTITIONS:-6}" --replication-factor 3 --config min.insync.replicas=2
acl() { $bin/kafka-acls.sh --bootstrap-server $bs --command-config /tmp/admin.properties --add "$@" > /dev/null; }
acl --allow-principal User:auth-service --operation Write --operation Create --topic $t
acl --allow-principal User:event-consumer --operation Read --operation Create --topic $t
acl --allow-principal User:event-consumer --operation Read --operation Write --operation Create --topic $t.retry
acl --allow-principal User:event-consumer --operation Read --operation Write --operation Create --topic $t.dlq
acl --allow-principal User:event-consumer --operation Read --operation Write --operation Create --topic $t.dlq.status
acl --allow-principal User:event-consumer --operation Read --group grimos-event-consumer
acl --allow-principal User:operator --operation Read --operation DescribeConfigs --topic '*'
acl --allow-principal User:operator --operation Write --topic $t --topic $t.dlq.status
acl --allow-principal User:operator --operation Describe --group '*'
acl --allow-principal User:operator --operation Describe --cluster
acl --allow-principal User:registry --operation Read --operation Write --operation Create --operation DescribeConfigs \
  --resource-pattern-type prefixed --topic grimos.registry-
acl --allow-principal User:registry --operation Read --resource-pattern-type prefixed --group grimos-registry-
echo "kafka-init: topic $t and the ACLs are in place"
