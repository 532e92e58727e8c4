#!/usr/bin/env bash
# Temporal as a team runs it, on this machine: PostgreSQL, the server's four services (frontend, history,
# matching, internal worker) as separate processes, and the Web UI, all on loopback. The schema, the namespace
# and its search attributes are set up by deploy/'s scripts, the ones docker-compose.yml runs, and the server
# reads the same environment-driven configuration as the temporalio/server image.
#   temporal-cluster.sh up                 start what is not running, wait until the frontend answers
#   temporal-cluster.sh down               stop exactly what `up` started (PID files)
#   temporal-cluster.sh kill SERVICE       SIGKILL one (postgresql, frontend, history, matching, worker, ui)
#   temporal-cluster.sh restart SERVICE    stop one (SIGTERM) and start it again on the same ports and data
# Settings (environment): STACK_DIR (.cluster), TEMPORAL_PORT (frontend gRPC, 7233), TEMPORAL_UI_PORT (8233);
# the other ports are chosen free at the first `up` and kept in $STACK_DIR/cluster-ports.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK_DIR="${STACK_DIR:-.cluster}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
LOG_TAG=cluster
# shellcheck source=lib/processes.sh
source scripts/lib/processes.sh

SERVICES=(history matching frontend worker)
DB_USER=temporal
DB_PASSWORD=temporal

tools() {
  local cache; cache="$(bash scripts/install-stack.sh cluster)"
  SERVER_DIR="$cache/temporal-server-${TEMPORAL_SERVER_VERSION:-v1.32.1}"
  UI_SERVER="$cache/temporal-ui-server-${TEMPORAL_UI_SERVER_VERSION:-v2.55.0}/bin/ui-server"
  CLI_DIR="$cache/temporal-cli-${TEMPORAL_CLI_VERSION:-v1.5.1}/bin"
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$PG_BIN" ] || PG_BIN="$(dirname "$(command -v pg_ctl)")"
}

# Chosen once per directory, so that a restarted service comes back where the others look for it.
ports() {
  local file="$STACK_DIR/cluster-ports"
  if [ ! -f "$file" ]; then
    local p; read -r -a p < <(node scripts/free-ports.mjs 9 low)
    cat >"$file" <<PORTS
PG_PORT=${p[0]}
FRONTEND_HTTP_PORT=${p[1]}
FRONTEND_MEMBERSHIP_PORT=${p[2]}
HISTORY_GRPC_PORT=${p[3]}
HISTORY_MEMBERSHIP_PORT=${p[4]}
MATCHING_GRPC_PORT=${p[5]}
MATCHING_MEMBERSHIP_PORT=${p[6]}
WORKER_GRPC_PORT=${p[7]}
WORKER_MEMBERSHIP_PORT=${p[8]}
PORTS
  fi
  # shellcheck disable=SC1090
  source "$file"
}

# PostgreSQL refuses to run as root: as its own user then, which owns the data directory.
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)

# The database's directory: in $STACK_DIR, unless PostgreSQL's own user cannot reach it (a clone under /root),
# then under /tmp; recorded, so that it outlives restarts and goes with $STACK_DIR.
pg_data_dir() {
  local record="$STACK_DIR/postgresql-dir" stack; stack="$(cd "$STACK_DIR" && pwd)"
  local dir="$stack/postgresql"
  if [ ! -f "$record" ]; then
    if [ ${#as_postgres[@]} -gt 0 ] && ! "${as_postgres[@]}" test -x "$stack"; then
      dir="/tmp/s3-kms-migrator-postgresql/$(echo "$stack" | md5sum | cut -c1-12)"
      rm -rf "$dir"
    fi
    echo "$dir" >"$record"
  fi
  cat "$record"
}

start_postgres() {
  local data; data="$(pg_data_dir)"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ ${#as_postgres[@]} -gt 0 ] && chown postgres: "$data"
    chmod 700 "$data"
    local pwfile; pwfile="$(mktemp)"; echo "$DB_PASSWORD" >"$pwfile"; chmod 644 "$pwfile"
    "${as_postgres[@]}" "$PG_BIN/initdb" -D "$data" -U "$DB_USER" --pwfile="$pwfile" -A scram-sha-256 >"$STACK_DIR/initdb.log"
    rm -f "$pwfile"
  fi
  start postgresql "${as_postgres[@]}" "$PG_BIN/postgres" -D "$data" -p "$PG_PORT" -c listen_addresses="$HOST" \
    -c unix_socket_directories= -c max_connections=200
  wait_until postgresql 30 "$PG_BIN/pg_isready" -h "$HOST" -p "$PG_PORT"
}

cluster_metadata_written() {
  [ "$(PGPASSWORD="$DB_PASSWORD" "$PG_BIN/psql" -h "$HOST" -p "$PG_PORT" -U "$DB_USER" -d temporal -tAc \
    'SELECT count(*) FROM cluster_metadata_info')" -gt 0 ]
}

# What the temporalio/server image reads (its embedded configuration template), with this machine's ports.
server_env() {
  export DB=postgres12 DB_PORT="$PG_PORT" POSTGRES_SEEDS="$HOST" POSTGRES_USER="$DB_USER" POSTGRES_PWD="$DB_PASSWORD"
  export BIND_ON_IP="$HOST" FRONTEND_GRPC_PORT="$TEMPORAL_PORT" LOG_LEVEL="${TEMPORAL_LOG_LEVEL:-warn}"
  export FRONTEND_HTTP_PORT FRONTEND_MEMBERSHIP_PORT HISTORY_GRPC_PORT HISTORY_MEMBERSHIP_PORT
  export MATCHING_GRPC_PORT MATCHING_MEMBERSHIP_PORT WORKER_GRPC_PORT WORKER_MEMBERSHIP_PORT
  export DYNAMIC_CONFIG_FILE_PATH="$PWD/deploy/dynamicconfig.yaml"
}

start_service() {
  local name=$1
  case "$name" in
    postgresql) start_postgres ;;
    ui)
      mkdir -p "$STACK_DIR/ui/config"
      cat >"$STACK_DIR/ui/config/cluster.yaml" <<UI
temporalGrpcAddress: $HOST:$TEMPORAL_PORT
host: $HOST
port: $TEMPORAL_UI_PORT
enableUi: true
defaultNamespace: default
cors:
  allowOrigins: ['http://$HOST:$TEMPORAL_UI_PORT']
UI
      start ui "$UI_SERVER" --root "$STACK_DIR/ui" --env cluster start
      wait_until ui 30 curl -sf "http://$HOST:$TEMPORAL_UI_PORT/"
      ;;
    *) (server_env && start "$name" "$SERVER_DIR/bin/temporal-server" --allow-no-auth start --service "$name") ;;
  esac
}

up() {
  # Temporal's cluster membership table keeps every service's ports in a PostgreSQL smallint
  [ "$TEMPORAL_PORT" -lt 32768 ] || { log "TEMPORAL_PORT must be below 32768 on a cluster, got $TEMPORAL_PORT"; exit 1; }
  tools
  mkdir -p "$STACK_DIR"
  ports
  alive postgresql || start_postgres
  SQL_HOST="$HOST" SQL_PORT="$PG_PORT" SQL_USER="$DB_USER" SQL_PASSWORD="$DB_PASSWORD" \
    TEMPORAL_SCHEMA_DIR="$SERVER_DIR/schema" PATH="$SERVER_DIR/bin:$PATH" \
    sh deploy/temporal-schema.sh >>"$STACK_DIR/schema.log" 2>&1 ||
    { log "the schema could not be set up: $STACK_DIR/schema.log"; tail -n 20 "$STACK_DIR/schema.log" >&2; exit 1; }
  for service in "${SERVICES[@]}"; do
    alive "$service" || start_service "$service"
    # The first service writes the cluster's metadata; others starting with it would race to write it too.
    [ "$service" = "${SERVICES[0]}" ] && wait_until "$service" 60 cluster_metadata_written
  done
  TEMPORAL_ADDRESS="$HOST:$TEMPORAL_PORT" PATH="$CLI_DIR:$PATH" sh deploy/temporal-namespace.sh \
    >>"$STACK_DIR/namespace.log" 2>&1 ||
    { log "the namespace could not be set up: $STACK_DIR/namespace.log"; tail -n 20 "$STACK_DIR/namespace.log" >&2; exit 1; }
  alive ui || start_service ui
  log "up: Temporal $HOST:$TEMPORAL_PORT on PostgreSQL $HOST:$PG_PORT (services ${SERVICES[*]}), Web UI http://$HOST:$TEMPORAL_UI_PORT"
}

down() {
  for name in ui worker frontend matching history; do stop_one "$name"; done
  stop_one postgresql INT
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  kill) stop_one "$2" KILL ;;
  restart)
    tools; ports
    # PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client to leave)
    if [ "$2" = postgresql ]; then stop_one "$2" INT; else stop_one "$2"; fi
    start_service "$2"
    ;;
  *) echo "usage: $0 up|down|kill SERVICE|restart SERVICE" >&2; exit 2 ;;
esac
