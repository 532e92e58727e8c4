#!/usr/bin/env bash
# with-own-stack.sh STACK_DIR command...: runs a command against a local stack of its own (fresh Temporal
# database, free ports, so it never clashes with a demo or test stack), torn down when the command ends.
# The command sees the stack's variables (TEMPORAL_ADDRESS, AWS_ENDPOINT_URL, ...) and STACK_DIR,
# TEMPORAL_PORT, TEMPORAL_UI_PORT, MOTO_PORT (for `stack.sh restart-temporal`).
set -euo pipefail
[ -n "${S3_KMS_MIGRATOR_NODE:-}" ] || exec bash "$(dirname "$0")/node-lts.sh" bash "$0" "$@"
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

export STACK_DIR="$1"; shift
bash scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
# A cluster's frontend port must be below 32768 (scripts/temporal-cluster.sh)
read -r TEMPORAL_PORT TEMPORAL_UI_PORT MOTO_PORT < <(node scripts/free-ports.mjs 3 "$([ "${TEMPORAL_SERVER:-}" = cluster ] && echo low)")
export TEMPORAL_PORT TEMPORAL_UI_PORT MOTO_PORT
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
set -a
# shellcheck disable=SC1091
source "$STACK_DIR/env"
set +a
"$@"
