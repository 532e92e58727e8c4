#!/usr/bin/env bash
# Installs the local stack's tools (Temporal CLI dev server, moto server) into a
# per-machine cache outside the clone, keyed by version. Idempotent: a second
# run with the same versions does nothing. Prints the cache directory.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
AWSCLI_VERSION="${AWSCLI_VERSION:-1.46.3}"
# The newest server whose go.mod the machine's Go (1.26.8) builds; its Web UI server of the same weeks.
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.1}"
TEMPORAL_UI_SERVER_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.55.0}"
CACHE_ROOT="${S3KMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3-kms-migrator}"

temporal_dir="$CACHE_ROOT/temporal-cli-$TEMPORAL_CLI_VERSION"
moto_dir="$CACHE_ROOT/moto-$MOTO_VERSION"
awscli_dir="$CACHE_ROOT/awscli-$AWSCLI_VERSION"
server_dir="$CACHE_ROOT/temporal-server-$TEMPORAL_SERVER_VERSION"
ui_dir="$CACHE_ROOT/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION"
mkdir -p "$CACHE_ROOT"

log() { echo "[install-stack] $*" >&2; }

install_temporal() {
  [ -f "$temporal_dir/.installed" ] && return
  command -v go >/dev/null || { log "Go is required to build the Temporal CLI $TEMPORAL_CLI_VERSION"; exit 1; }
  log "building Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (first run only, several minutes)"
  rm -rf "$temporal_dir"; mkdir -p "$temporal_dir/bin"
  GOBIN="$temporal_dir/bin" go install -trimpath "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  touch "$temporal_dir/.installed"
}

# The cluster (install-stack.sh cluster): Temporal's server and SQL tool with the schema files of the same
# version, and the Web UI's server, from the Go module proxy; PostgreSQL from Debian's packages.
install_cluster() {
  command -v go >/dev/null || { log "Go is required to build the Temporal server $TEMPORAL_SERVER_VERSION"; exit 1; }
  if [ ! -f "$server_dir/.installed" ]; then
    log "building Temporal server $TEMPORAL_SERVER_VERSION from the Go module proxy (first run only, several minutes)"
    rm -rf "$server_dir"; mkdir -p "$server_dir/bin"
    local module="go.temporal.io/server"
    GOBIN="$server_dir/bin" go install -trimpath "$module/cmd/server@$TEMPORAL_SERVER_VERSION" \
      "$module/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >&2
    mv "$server_dir/bin/server" "$server_dir/bin/temporal-server"
    mv "$server_dir/bin/sql" "$server_dir/bin/temporal-sql-tool"
    cp -r "$(go env GOMODCACHE)/$module@$TEMPORAL_SERVER_VERSION/schema" "$server_dir/schema"
    chmod -R u+w "$server_dir/schema"
    touch "$server_dir/.installed"
  fi
  if [ ! -f "$ui_dir/.installed" ]; then
    log "building the Temporal Web UI server $TEMPORAL_UI_SERVER_VERSION from the Go module proxy (first run only)"
    rm -rf "$ui_dir"; mkdir -p "$ui_dir/bin"
    GOBIN="$ui_dir/bin" go install -trimpath "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION" >&2
    mv "$ui_dir/bin/server" "$ui_dir/bin/ui-server"
    touch "$ui_dir/.installed"
  fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v postgres >/dev/null; then
    [ "$(id -u)" = 0 ] || { log "the cluster needs PostgreSQL: apt-get install postgresql (as root)"; exit 1; }
    log "installing Debian's postgresql package (first run only)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
  fi
}

# A Python tool in a virtualenv of its own: install_venv DIR PACKAGE==VERSION WHAT
install_venv() {
  local dir=$1 requirement=$2 what=$3
  [ -f "$dir/.installed" ] && return
  log "installing $requirement into a virtualenv ($what, first run only)"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$requirement"
  touch "$dir/.installed"
}

# Debian's Chromium, for the Web UI test (install-stack.sh chromium): from the distribution's own packages.
install_chromium() {
  command -v chromium >/dev/null && return
  [ "$(id -u)" = 0 ] || { log "the Web UI test needs Chromium: apt-get install chromium (as root)"; exit 1; }
  log "installing Debian's chromium package (Web UI test, first run only)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
}

# one installer at a time per cache (CI and a developer may start together)
exec 9>"$CACHE_ROOT/.install.lock"
flock 9
install_temporal
install_venv "$moto_dir" "moto[server]==$MOTO_VERSION" "S3 and KMS emulator"
# The AWS CLI is only for the benchmark (install-stack.sh awscli): the way operators re-encrypt today.
if [ "${1:-}" = awscli ]; then install_venv "$awscli_dir" "awscli==$AWSCLI_VERSION" "benchmark only"; fi
if [ "${1:-}" = chromium ]; then install_chromium; fi
if [ "${1:-}" = cluster ]; then install_cluster; fi
echo "$CACHE_ROOT"
