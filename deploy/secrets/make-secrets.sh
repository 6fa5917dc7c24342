#!/usr/bin/env bash
# Generates the compose stack's secrets, one file each, in this directory: every Kafka principal's SCRAM
# password and the keystores' password. Existing files are kept (rotate one by deleting it, then see
# docs/security.md). Nothing here has a default: compose refuses to start while a file is missing.
set -euo pipefail
cd "$(dirname "$0")"
umask 077
chmod 700 .
for name in kafka-admin kafka-broker kafka-auth-service kafka-event-consumer kafka-operator kafka-registry tls-store-password; do
  if [ ! -s "$name" ]; then
    # URL- and JAAS-safe: no quote, backslash or '$'.
    head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40 > "$name"
    echo "created deploy/secrets/$name"
  fi
  # Compose bind-mounts these into containers that run as other users: the 0700 directory keeps other host
  # users out, the files themselves must be readable inside the containers.
  chmod 644 "$name"
done
