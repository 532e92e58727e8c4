#!/bin/sh
# Creates the namespace (unless it exists) and registers the search attributes a migration carries
# (common/search-attributes.ts), so that the Web UI and `status` find migrations by bucket, prefix, key and
# state. Safe to run again. TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE as for the worker.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
# Closed migrations stay visible this long: `policy` reads the latest migration of each prefix from Temporal.
retention="${TEMPORAL_NAMESPACE_RETENTION:-30d}"

tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 90 ] || { echo "Temporal at ${TEMPORAL_ADDRESS:-127.0.0.1:7233} did not answer within 3 minutes" >&2; exit 1; }
  sleep 2
done
if ! temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  temporal operator namespace create --namespace "$ns" --retention "$retention"
fi
for name in MigrationBucket MigrationPrefix MigrationKmsKey MigrationState; do
  temporal operator search-attribute create --namespace "$ns" --name "$name" --type Keyword
done
echo "namespace $ns ready, with the migration's search attributes"
