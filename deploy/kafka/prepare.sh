#!/usr/bin/env bash
# One-shot (service kafka-prepare): a CA and one certificate per Kafka node with the image's keytool, in the
# kafka-tls volume (/tls), and the registry's and kafbat UI's Kafka client settings in their own volumes.
# Idempotent: what exists is kept. Secrets come from /run/secrets (deploy/dev-secrets/ or, in production, deploy/secrets/; mounted by compose).
set -euo pipefail
umask 077
. "$(dirname "$0")/lib.sh"

# The committed development secrets (deploy/dev-secrets/) are public: refused in production, shouted about elsewhere.
dev_only=$( (grep -l dev-only-insecure "$run_secrets"/* 2>/dev/null || true) | xargs -r -n1 basename | tr '\n' ' ')
if [ -n "$dev_only" ]; then
  if [ "${NODE_ENV:-development}" = production ]; then
    echo "kafka-prepare: refusing to start: NODE_ENV=production but these secrets are the public dev-only defaults: $dev_only(run deploy/secrets/make-secrets.sh and use deploy/compose.production.yml)" >&2
    exit 1
  fi
  cat >&2 <<WARN
################################################################################
##  WARNING: DEVELOPMENT SECRETS. Kafka's passwords and keystores use the
##  public dev-only defaults in deploy/dev-secrets/: $dev_only
##  Fine on a laptop, never anywhere else. For production see docs/deployment.md.
################################################################################
WARN
fi
export STOREPASS; STOREPASS="$(secret tls-store-password)"
kt() { keytool "$@" -storepass:env STOREPASS; }
cd /tls
if [ ! -s ca.pem ]; then
  rm -f ca.p12
  kt -genkeypair -keyalg EC -groupname secp256r1 -storetype PKCS12 -alias ca -dname "CN=grimOS CA" \
    -ext bc:c=ca:true -ext KU:c=keyCertSign,cRLSign -validity 3650 -keystore ca.p12
  kt -exportcert -rfc -alias ca -keystore ca.p12 -file ca.pem
fi
for n in 1 2 3; do
  [ -s "kafka-$n.p12" ] && continue
  # CN=kafka-N: the controllers authenticate each other by certificate (super.users lists these DNs).
  kt -genkeypair -keyalg EC -groupname secp256r1 -storetype PKCS12 -alias node -dname "CN=kafka-$n" \
    -validity 825 -keystore "kafka-$n.p12"
  kt -certreq -alias node -keystore "kafka-$n.p12" -file "kafka-$n.csr"
  kt -gencert -rfc -alias ca -keystore ca.p12 -infile "kafka-$n.csr" -outfile "kafka-$n.crt" -validity 825 \
    -ext "SAN=DNS:kafka-$n,DNS:localhost" -ext KU:c=digitalSignature -ext EKU=serverAuth,clientAuth
  kt -importcert -noprompt -alias ca -file ca.pem -keystore "kafka-$n.p12"
  kt -importcert -alias node -file "kafka-$n.crt" -keystore "kafka-$n.p12"
  rm -f "kafka-$n.csr" "kafka-$n.crt"
done
# The nodes and clients run as other users: the volume is only mounted where it is needed (ca.p12 nowhere else).
chmod 644 ca.pem kafka-*.p12
chmod 600 ca.p12

jaas() { echo "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$(secret "kafka-$1")\";"; }
bootstrap=kafka-1:9092,kafka-2:9092,kafka-3:9092
cat > /registry/kafka.properties <<PROPS
apicurio.kafkasql.consumer.group-prefix=grimos-registry-
apicurio.kafka.common.security.protocol=SASL_SSL
apicurio.kafka.common.sasl.mechanism=SCRAM-SHA-512
apicurio.kafka.common.sasl.jaas.config=$(jaas registry)
apicurio.kafka.common.ssl.truststore.type=PEM
apicurio.kafka.common.ssl.truststore.location=/tls/ca.pem
apicurio.kafka.common.ssl.endpoint.identification.algorithm=https
PROPS
cat > /kafka-ui/kafka-ui.yml <<YAML
kafka:
  clusters:
    - name: grimos
      bootstrapServers: $bootstrap
      schemaRegistry: http://schema-registry:8080/apis/ccompat/v7
      properties:
        security.protocol: SASL_SSL
        sasl.mechanism: SCRAM-SHA-512
        sasl.jaas.config: '$(jaas operator)'
        ssl.truststore.type: PEM
        ssl.truststore.location: /tls/ca.pem
YAML
chmod 644 /registry/kafka.properties /kafka-ui/kafka-ui.yml
echo "kafka-prepare: certificates and client settings ready"
