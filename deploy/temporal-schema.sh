#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schema to the server's version: run once before
# the server starts, and again after each server upgrade (it only applies what is missing). The connection comes
# from temporal-sql-tool's own variables: SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD. Schema files: those of the
# temporalio/admin-tools image, or TEMPORAL_SCHEMA_DIR.
set -eu
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  if ! out="$(temporal-sql-tool --db "$db" create-database 2>&1)"; then
    case "$out" in
      *"already exists"*) ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema/${pair#*:}/versioned"
done
echo "schema of temporal and temporal_visibility is current"
