#!/bin/sh
# Creates the namespace (unless it exists) and registers the search attributes a migration carries
# (common/search-attributes.ts), so that the Web UI and `status` find migrations by bucket, prefix, key and
# state. Safe to run again. TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE as for the worker.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
# Closed migrations stay visible this long: `policy` reads the latest migration of each prefix from Temporal.
retention="${TEMPORAL_NAMESPACE_RETENTION:-30d}"

# retry WHAT COMMAND...: every 2 s for up to 3 minutes (the server starting; a new namespace reaching every
# service's cache)
retry() {
  what=$1; shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 90 ]; then
      echo "$what did not succeed within 3 minutes; the last attempt said:" >&2
      "$@" >&2 || true
      exit 1
    fi
    sleep 2
  done
}

retry "Temporal at ${TEMPORAL_ADDRESS:-127.0.0.1:7233} answering" temporal operator cluster health
if ! temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  temporal operator namespace create --namespace "$ns" --retention "$retention"
fi
for name in MigrationBucket MigrationPrefix MigrationKmsKey MigrationState; do
  retry "registering $name" temporal operator search-attribute create --namespace "$ns" --name "$name" --type Keyword
done
echo "namespace $ns ready, with the migration's search attributes"
