#!/usr/bin/env bash
# One machine, real AWS, no Temporal cluster (npm run local:up / local:down / local:status): Temporal's dev
# server — a real Temporal server on one SQLite file — and one worker, both on this machine, on loopback only.
# The data lives outside the checkout, in $S3_KMS_MIGRATOR_HOME/temporal (~/.s3-kms-migrator/temporal), so it
# survives restarts, reboots and upgrades of the tool; `local:down` stops the processes and keeps it. The worker
# gets no emulator endpoint and no test credentials: it uses the machine's AWS credentials (environment,
# profile, instance role) and AWS_REGION as given. Then, in any shell: `source ~/.s3-kms-migrator/env` and
# `npm run migrate -- …`.
# Settings (environment): S3_KMS_MIGRATOR_HOME, TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), AWS_REGION.
set -euo pipefail
[ -n "${S3_KMS_MIGRATOR_NODE:-}" ] || exec bash "$(dirname "$0")/node-lts.sh" bash "$0" "$@"
cd "$(dirname "$0")/.."

HOME_DIR="${S3_KMS_MIGRATOR_HOME:-$HOME/.s3-kms-migrator}"
STACK_DIR="$HOME_DIR/temporal"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
LOG_TAG=local
# shellcheck source=lib/processes.sh
source scripts/lib/processes.sh

up() {
  if [ "${AWS_ACCESS_KEY_ID:-}" = test ] || [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    log "this shell points at the local stack (AWS_ACCESS_KEY_ID=test or AWS_ENDPOINT_URL is set): open a new one"
    exit 1
  fi
  mkdir -p "$STACK_DIR"
  if ! alive temporal; then
    port_free "$TEMPORAL_PORT" || { log "port $TEMPORAL_PORT is taken; set TEMPORAL_PORT"; exit 1; }
    port_free "$TEMPORAL_UI_PORT" || { log "port $TEMPORAL_UI_PORT is taken; set TEMPORAL_UI_PORT"; exit 1; }
    start_dev_server temporal "$STACK_DIR/temporal.db" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" 1
  fi
  local cache; cache="$(bash scripts/install-stack.sh)"
  wait_until temporal 60 "$cache/temporal-cli-${TEMPORAL_CLI_VERSION:-v1.5.1}/bin/temporal" operator cluster health \
    --address "$HOST:$TEMPORAL_PORT"
  cat >"$HOME_DIR/env" <<ENV
export TEMPORAL_ADDRESS=$HOST:$TEMPORAL_PORT
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI_URL=http://$HOST:$TEMPORAL_UI_PORT
ENV
  if ! alive worker; then
    bash scripts/build-if-stale.sh
    # Metrics off unless asked for: the worker would serve them on every interface.
    start worker env TEMPORAL_ADDRESS="$HOST:$TEMPORAL_PORT" TEMPORAL_NAMESPACE=default \
      MIGRATOR_METRICS_PORT="${MIGRATOR_METRICS_PORT:-0}" node dist/workers/main.js
    for _ in $(seq 240); do
      grep -q '"msg":"worker started"' "$STACK_DIR/worker.log" && break
      alive worker || { log "the worker stopped (Temporal keeps running):"; tail -n 5 "$STACK_DIR/worker.log" >&2; exit 1; }
      sleep 0.25
    done
  fi
  log "up: Temporal $HOST:$TEMPORAL_PORT (Web UI http://$HOST:$TEMPORAL_UI_PORT, data $STACK_DIR), one worker"
  log "environment: source $HOME_DIR/env"
}

down() {
  stop_one worker
  stop_one temporal
  log "down (data kept in $STACK_DIR)"
}

status() {
  for name in temporal worker; do
    if alive "$name"; then echo "$name: running (pid $(cat "$STACK_DIR/$name.pid"))"; else echo "$name: stopped"; fi
  done
  echo "data: $STACK_DIR"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
