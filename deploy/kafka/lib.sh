# Sourced by node.sh, init.sh and prepare.sh (all mounted at /grimos): what each reads from the secrets.
# RUN_SECRETS: where compose mounts the secrets (a test points it at a temporary directory).
run_secrets=${RUN_SECRETS:-/run/secrets}
secret() { tr -d '\n' < "$run_secrets/$1"; }

# The admin's client settings over the internal listener (the health check's and kafka-init's).
write_admin_properties() {
  cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka-admin)";
ssl.truststore.type=PEM
ssl.truststore.location=/tls/ca.pem
PROPS
}
