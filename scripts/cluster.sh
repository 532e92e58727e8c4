#!/usr/bin/env bash
# npm run cluster:up / cluster:down / cluster:status: the local stack with Temporal as a cluster on PostgreSQL
# (scripts/temporal-cluster.sh) in place of the dev server, in .cluster; its env file (.cluster/env) is read
# like .stack/env. Tests against it: npm run test:cluster.
set -euo pipefail
export TEMPORAL_SERVER=cluster STACK_DIR="${STACK_DIR:-.cluster}"
exec bash "$(dirname "$0")/stack.sh" "$@"
