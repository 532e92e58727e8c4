#!/usr/bin/env bash
# The local stack: Temporal dev server (SQLite, Web UI) + moto (S3 and KMS on one endpoint, extended with
# UpdateObjectEncryption by emulator/server.py). With TEMPORAL_SERVER=cluster (scripts/cluster.sh), Temporal
# is a cluster on PostgreSQL instead (scripts/temporal-cluster.sh); the env file is the same.
#   stack.sh up     start both in the background, wait until they answer, write $STACK_DIR/env
#   stack.sh down   stop exactly the processes `up` started (by their PID files)
#   stack.sh status
#   stack.sh restart-temporal   stop the Temporal dev server and start it again on the same database (chaos)
# Settings (environment): STACK_DIR (.stack), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), MOTO_PORT (4566),
# TEMPORAL_TASK_QUEUE_PARTITIONS (1; Temporal's own default on a cluster is 4: set it to see the KMS budget there).
set -euo pipefail
cd "$(dirname "$0")/.."

STACK_DIR="${STACK_DIR:-.stack}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
MOTO_PORT="${MOTO_PORT:-4566}"
PARTITIONS="${TEMPORAL_TASK_QUEUE_PARTITIONS:-1}"
TEMPORAL_SERVER="${TEMPORAL_SERVER:-dev}"
# shellcheck source=lib/processes.sh
source scripts/lib/processes.sh

up() {
  local cache; cache="$(bash scripts/install-stack.sh)"
  local temporal="$cache/temporal-cli-${TEMPORAL_CLI_VERSION:-v1.5.1}/bin/temporal"
  # moto with the project's extension for what it lacks (emulator/, UpdateObjectEncryption)
  local python="$cache/moto-${MOTO_VERSION:-5.2.5}/bin/python"
  mkdir -p "$STACK_DIR"

  if [ "$TEMPORAL_SERVER" = cluster ]; then
    STACK_DIR="$STACK_DIR" TEMPORAL_PORT="$TEMPORAL_PORT" TEMPORAL_UI_PORT="$TEMPORAL_UI_PORT" \
      bash scripts/temporal-cluster.sh up
  elif ! alive temporal; then
    port_free "$TEMPORAL_PORT" || { log "port $TEMPORAL_PORT is taken; set TEMPORAL_PORT"; exit 1; }
    port_free "$TEMPORAL_UI_PORT" || { log "port $TEMPORAL_UI_PORT is taken; set TEMPORAL_UI_PORT"; exit 1; }
    start_dev_server temporal "$STACK_DIR/temporal.db" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" "$PARTITIONS"
  fi
  if ! alive moto; then
    port_free "$MOTO_PORT" || { log "port $MOTO_PORT is taken; set MOTO_PORT"; exit 1; }
    start moto "$python" emulator/server.py -H "$HOST" -p "$MOTO_PORT"
  fi

  wait_until temporal 60 "$temporal" operator cluster health --address "$HOST:$TEMPORAL_PORT"
  wait_until moto 60 curl -sf "http://$HOST:$MOTO_PORT/moto-api/data.json"

  cat >"$STACK_DIR/env" <<ENV
export TEMPORAL_ADDRESS=$HOST:$TEMPORAL_PORT
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI_URL=http://$HOST:$TEMPORAL_UI_PORT
export AWS_ENDPOINT_URL=http://$HOST:$MOTO_PORT
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true
ENV
  log "up: Temporal $HOST:$TEMPORAL_PORT (Web UI http://$HOST:$TEMPORAL_UI_PORT), S3/KMS http://$HOST:$MOTO_PORT"
  log "environment: source $STACK_DIR/env"
}

down() {
  stop_one temporal
  STACK_DIR="$STACK_DIR" bash scripts/temporal-cluster.sh down
  stop_one moto
  rm -f "$STACK_DIR/env"
  log "down"
}

status() {
  local file name
  for file in "$STACK_DIR"/*.pid; do
    [ -f "$file" ] || continue
    name="$(basename "$file" .pid)"
    if alive "$name"; then echo "$name: running (pid $(cat "$file"))"; else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  restart-temporal) stop_one temporal; up ;;
  *) echo "usage: $0 up|down|status|restart-temporal" >&2; exit 2 ;;
esac
