# Background processes a script starts and stops by their PID files in $STACK_DIR (sourced by stack.sh and
# temporal-cluster.sh). Each outlives the script that started it (setsid) and logs to $STACK_DIR/NAME.log.
HOST=127.0.0.1

log() { echo "[${LOG_TAG:-stack}] $*" >&2; }

alive() { [ -f "$STACK_DIR/$1.pid" ] && kill -0 "$(cat "$STACK_DIR/$1.pid")" 2>/dev/null; }

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

wait_until() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "$what did not answer within ${seconds}s; its log: $STACK_DIR/$what.log"
  tail -n 20 "$STACK_DIR/$what.log" >&2 || true
  return 1
}

start() { # name, command...
  local name=$1; shift
  # setsid: the process outlives this script and the npm run that called it
  setsid "$@" >>"$STACK_DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$STACK_DIR/$name.pid"
}

stop_one() { # name [signal]: the signal (TERM) first, KILL after 10 s
  local name=$1 signal=${2:-TERM} pid
  [ -f "$STACK_DIR/$name.pid" ] || return 0
  pid="$(cat "$STACK_DIR/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$signal" "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$STACK_DIR/$name.pid"
}

# start_dev_server NAME DB_FILE PORT UI_PORT PARTITIONS: Temporal's dev server (the CLI's, SQLite in DB_FILE)
# on loopback, with the migration's search attributes, each task queue on PARTITIONS partitions: one keeps the
# KMS queue's rate limiter one token bucket, not four that each burst after a dry spell (docs/kms-budget.md).
start_dev_server() {
  local name=$1 db=$2 port=$3 ui_port=$4 partitions=$5 cache
  cache="$(bash scripts/install-stack.sh)"
  start "$name" "$cache/temporal-cli-${TEMPORAL_CLI_VERSION:-v1.5.1}/bin/temporal" server start-dev --ip "$HOST" \
    --port "$port" --ui-port "$ui_port" --db-filename "$db" --log-level warn \
    --search-attribute MigrationBucket=Keyword --search-attribute MigrationPrefix=Keyword \
    --search-attribute MigrationKmsKey=Keyword --search-attribute MigrationState=Keyword \
    --dynamic-config-value matching.numTaskqueueReadPartitions="$partitions" \
    --dynamic-config-value matching.numTaskqueueWritePartitions="$partitions"
}
