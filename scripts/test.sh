#!/usr/bin/env bash
# npm test: type-check, then unit and integration tests against a stack of their own
# (fresh Temporal database, free ports, so it never clashes with a demo stack), torn down on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm install, not npm ci: see scripts/run.sh.
if [ ! -x node_modules/.bin/tsx ]; then
  echo "[test] installing the locked dependencies" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
echo "[test] type-checking" >&2
node_modules/.bin/tsc --noEmit -p .

export STACK_DIR="${TEST_STACK_DIR:-.stack-test}"
bash scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
read -r TEMPORAL_PORT TEMPORAL_UI_PORT MOTO_PORT < <(node scripts/free-ports.js 3)
export TEMPORAL_PORT TEMPORAL_UI_PORT MOTO_PORT
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
# shellcheck disable=SC1091
source "$STACK_DIR/env"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/unit/*.test.ts test/integration/*.test.ts)
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
